using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>The embedrt command-line contract, end to end, through a real process.</summary>
public class CliContractTests
{
    private static readonly string UncasedVocab = Fixtures.Tokenizer("bert-base-uncased");

    [Fact]
    public void TokenizeMatchesHuggingFaceCasesIncludingPairs()
    {
        var cases = File.ReadLines(Path.Combine(UncasedVocab, "cases.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var input = string.Join("\n", cases.Select(c => c.TryGetProperty("pair", out var pair)
            ? JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = c.GetProperty("text").GetString()!, ["pair"] = pair.GetString()! })
            : JsonSerializer.Serialize(c.GetProperty("text").GetString()))) + "\n";

        var result = CliProcess.Run(input, "tokenize", "--model", UncasedVocab);

        Assert.Equal(0, result.ExitCode);
        var lines = result.StdoutLines;
        Assert.Equal(cases.Length, lines.Length);
        for (int i = 0; i < cases.Length; i++)
        {
            var line = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(Ints(cases[i].GetProperty("ids")), Ints(line.GetProperty("ids")));
            Assert.Equal(Ints(cases[i].GetProperty("type_ids")), Ints(line.GetProperty("type_ids")));
        }
    }

    [Fact]
    public void TokenizeTruncatesOnlyWhenAsked()
    {
        string text = JsonSerializer.Serialize(string.Join(' ', Enumerable.Repeat("hello", 40)));
        var full = CliProcess.Run(text + "\n", "tokenize", "--model", UncasedVocab);
        var cut = CliProcess.Run(text + "\n", "tokenize", "--model", UncasedVocab, "--max-length", "10");
        Assert.Equal(42, Ints(JsonDocument.Parse(full.StdoutLines[0]).RootElement.GetProperty("ids")).Length);
        var ids = Ints(JsonDocument.Parse(cut.StdoutLines[0]).RootElement.GetProperty("ids"));
        Assert.Equal(10, ids.Length);
        Assert.Equal(102, ids[^1]); // [SEP] kept
    }

    [Theory]
    [InlineData("bert-tiny-uncased", false)]
    [InlineData("bert-tiny-zh", false)]
    [InlineData("bert-tiny-zh", true)]
    [InlineData("xlmr-tiny-m3", false)]
    [InlineData("xlmr-tiny-m3", true)]
    public void EmbedReproducesReferenceEmbeddings(string model, bool keep16Bit)
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference(model))).RootElement;
        var cases = reference.GetProperty("cases").EnumerateArray().Where(c => !c.TryGetProperty("pair", out _)).ToArray();
        var input = string.Join("\n", cases.Select(c => JsonSerializer.Serialize(c.GetProperty("text").GetString()))) + "\n";

        string[] arguments = ["embed", "--model", Fixtures.Model(model), "--batch-size", "4"];
        var result = CliProcess.Run(input, keep16Bit ? [.. arguments, "--keep-16bit"] : arguments);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(cases.Length, result.StdoutLines.Length);
        for (int i = 0; i < cases.Length; i++)
        {
            var vector = JsonSerializer.Deserialize<float[]>(result.StdoutLines[i])!;
            var expected = cases[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(Metrics.Cosine(vector, expected) >= 0.99999, $"case {i}: cosine {Metrics.Cosine(vector, expected)}");
        }
    }

    [Fact]
    public void EmbedHonoursPoolingAndNoNormalize()
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference("bert-tiny-uncased"))).RootElement;
        var first = reference.GetProperty("cases")[1];
        var input = JsonSerializer.Serialize(new Dictionary<string, string> { ["text"] = first.GetProperty("text").GetString()! }) + "\n";

        var result = CliProcess.Run(input, "embed", "--model", Fixtures.Model("bert-tiny-uncased"), "--pooling", "cls", "--no-normalize", "--threads", "1");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var vector = JsonSerializer.Deserialize<float[]>(result.StdoutLines[0])!;
        var expected = first.GetProperty("cls").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.True(Metrics.MaxAbsError(vector, expected) <= 1e-4);
    }

    [Theory]
    [InlineData("\"ok\"\n{\"text\": 5}\n", "line 2")]
    [InlineData("\"ok\"\nnot json\n", "line 2")]
    [InlineData("[1, 2]\n", "line 1")]
    [InlineData("{\"pair\": \"b\"}\n", "line 1")]
    [InlineData("\"a\"\n\n\"b\"\n", "line 2")]
    public void MalformedInputLineFailsWithItsLineNumber(string input, string expected)
    {
        foreach (var command in new[] { "tokenize", "embed" })
        {
            var result = CliProcess.Run(input, command, "--model", Fixtures.Model("bert-tiny-uncased"));
            Assert.NotEqual(0, result.ExitCode);
            Assert.Single(result.StderrLines);
            Assert.Contains(expected, result.Stderr);
        }
    }

    [Fact]
    public void BadModelFolderFailsWithOneLineAndNoStackTrace()
    {
        var missing = Path.Combine(Path.GetTempPath(), "embedrt-no-such-model");
        var result = CliProcess.Run("\"x\"\n", "embed", "--model", missing);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Contains(missing, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);

        var verbose = CliProcess.Run("\"x\"\n", "embed", "--model", missing, "--verbose");
        Assert.NotEqual(0, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Stderr);
    }

    [Fact]
    public void CorruptWeightsFailWithTheFileName()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), [1, 2, 3]);
        var result = CliProcess.Run("\"x\"\n", "embed", "--model", dir);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Single(result.StderrLines);
        Assert.Contains("model.safetensors", result.Stderr);
    }

    [Theory]
    [InlineData("tokenize")]
    [InlineData("embed")]
    public void HelpDescribesEachCommand(string command)
    {
        var result = CliProcess.Run("", command, "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--model", result.Stdout);
        Assert.Contains("--max-length", result.Stdout);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
