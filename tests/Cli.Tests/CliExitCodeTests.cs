using System.Text;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>Every exit path of the README's table: 0, 2 model files, 3 input (naming the line), 4 arguments, 5 output; one stderr line each.</summary>
public class CliExitCodeTests
{
    private static readonly string Bert = Fixtures.Model("bert-tiny-uncased");
    private static readonly string M3 = Fixtures.Model("xlmr-tiny-m3");
    private static readonly string Reranker = Fixtures.Model("xlmr-tiny-reranker");

    public static TheoryData<string, string> Commands() => new()
    {
        { "tokenize", Bert }, { "embed", Bert }, { "sparse", M3 }, { "colbert", M3 }, { "score", M3 }, { "rerank", Reranker },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void ClosedStdinReadsAsEmptyInput(string command, string model)
    {
        var result = CliProcess.RunWithRedirections("", "<&-", command, "--model", model);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("", result.Stdout);
        Assert.Equal("", result.Stderr);
    }

    [Theory]
    [InlineData("--foo")]
    [InlineData("--pooling", "max")]
    [InlineData("--max-length", "abc")]
    [InlineData("--max-length", "0")]
    [InlineData("--batch-size", "0")]
    [InlineData("--batch-size", "99999999")]
    [InlineData("--threads", "100000")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "-3")]
    [InlineData("--shard", "2/2")]
    [InlineData("--shard", "x")]
    [InlineData("--truncation-direction", "up")]
    [InlineData("--max-length", "1")]
    [InlineData("--max-length", "99999")]
    [InlineData("--max-length", "2", "--long-inputs", "chunk-mean")]
    public void ArgumentErrorsExit4WithOneLineAndNoUsage(params string[] arguments)
    {
        var result = CliProcess.Run("\"x\"\n", ["embed", "--model", Bert, .. arguments]);
        AssertOneLineFailure(result, 4, arguments[0]);
    }

    [Fact]
    public void A_limit_below_a_pairs_special_tokens_names_the_option()
    {
        var result = CliProcess.Run("{\"text\": \"a\", \"pair\": \"b\"}\n", "embed", "--model", Bert, "--max-length", "2");
        AssertOneLineFailure(result, 4, "--max-length");
    }

    [Fact]
    public void MissingModelAndUnknownCommandExit4()
    {
        AssertOneLineFailure(CliProcess.Run("\"x\"\n", "embed"), 4, "--model");
        AssertOneLineFailure(CliProcess.Run("\"x\"\n", "embedd", "--model", Bert), 4, "embedd");
    }

    [Fact]
    public void BadModelExits2()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), [1, 2, 3]);
        AssertOneLineFailure(CliProcess.Run("\"x\"\n", "embed", "--model", dir), 2, "model.safetensors");
    }

    [Theory]
    [InlineData("tokenize")]
    [InlineData("embed")]
    public void InvalidUtf8IsReportedOnItsLine(string command)
    {
        var input = new List<byte>();
        input.AddRange("\"ok\"\n"u8.ToArray());
        input.AddRange("\"b"u8.ToArray());
        input.Add(0xFF);
        input.AddRange("d\"\n\"ok\"\n"u8.ToArray());
        var result = CliProcess.Run(input.ToArray(), command, "--model", Bert);
        AssertOneLineFailure(result, 3, "line 2: not valid UTF-8");
        Assert.Single(result.StdoutLines); // line 1 was answered before the error
    }

    [Fact]
    public void InvalidUtf8PastSeveralReadBlocksIsReportedOnItsLine()
    {
        var input = new List<byte>();
        for (int line = 1; line < 3000; line++) input.AddRange(Encoding.UTF8.GetBytes($"\"line {line} with some padding text\"\n"));
        Assert.True(input.Count > 64 * 1024);
        input.AddRange([(byte)'"', 0xC3, (byte)'"', (byte)'\n']);
        var result = CliProcess.Run(input.ToArray(), "tokenize", "--model", Bert);
        AssertOneLineFailure(result, 3, "line 3000: not valid UTF-8");
    }

    [Theory]
    [InlineData("\"ok\"\n\"a\\ud800b\"\n", "line 2: the line holds an unpaired surrogate")]
    [InlineData("\"ok\"\n\"ok\"\n{\"text\":\"a\\udc00\"}\n", "line 3: field \"text\" holds an unpaired surrogate")]
    [InlineData("{\"text\":\"a\",\"text\":\"b\"}\n", "line 1: invalid JSON (Duplicate property")]
    [InlineData("\"ok\"\r\n\"ok\"\r\n\"ok\" 5\r\n", "line 3: invalid JSON")]
    public void UnusableJsonIsReportedOnItsLine(string input, string expected)
    {
        var result = CliProcess.Run(input, "tokenize", "--model", Bert);
        AssertOneLineFailure(result, 3, expected);
    }

    [Fact]
    public void WriteFailuresExit5NamingStdout()
    {
        AssertOneLineFailure(CliProcess.RunWithRedirections("\"x\"\n", ">/dev/full", "embed", "--model", Bert), 5, "stdout");
        AssertOneLineFailure(CliProcess.RunWithRedirections("\"x\"\n", ">&-", "tokenize", "--model", Bert), 5, "stdout: it is closed");
    }

    private static void AssertOneLineFailure(CliProcess.Result result, int exitCode, string expected)
    {
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}, expected {exitCode}; stderr: {result.Stderr}");
        Assert.Single(result.StderrLines);
        Assert.StartsWith("embedrt: ", result.Stderr);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("Usage", result.Stdout);
        Assert.DoesNotContain("(Parameter '", result.Stderr);
    }
}
