using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>--precision on the commands that load a model, end to end.</summary>
public class CliPrecisionTests
{
    [Theory]
    [InlineData("bert-tiny-uncased", "bf16", 0.999)]
    [InlineData("bert-tiny-uncased", "int8", 0.99)]
    [InlineData("xlmr-tiny-m3", "int8", 0.99)]
    public void EmbedStaysNearTheReference(string model, string precision, double minCosine)
    {
        var cases = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference(model))).RootElement
            .GetProperty("cases").EnumerateArray().Where(c => !c.TryGetProperty("pair", out _)).ToArray();
        var input = string.Join("\n", cases.Select(c => JsonSerializer.Serialize(c.GetProperty("text").GetString()))) + "\n";

        var result = CliProcess.Run(input, "embed", "--model", Fixtures.Model(model), "--precision", precision);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(cases.Length, result.StdoutLines.Length);
        for (int i = 0; i < cases.Length; i++)
        {
            var vector = JsonSerializer.Deserialize<float[]>(result.StdoutLines[i])!;
            var expected = cases[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.True(Metrics.Cosine(vector, expected) >= minCosine, $"{precision} case {i}: cosine {Metrics.Cosine(vector, expected)}");
        }
    }

    [Fact]
    public void RerankTakesPrecision()
    {
        var first = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference("xlmr-tiny-reranker"))).RootElement.GetProperty("cases")[0];
        var input = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["query"] = first.GetProperty("text").GetString()!, ["texts"] = new[] { first.GetProperty("pair").GetString()! },
        }) + "\n";

        var result = CliProcess.Run(input, "rerank", "--model", Fixtures.Model("xlmr-tiny-reranker"), "--precision", "int8");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(first.GetProperty("score").GetDouble(), JsonSerializer.Deserialize<double[]>(result.StdoutLines[0])![0], 0.05);
    }

    [Fact]
    public void UnknownPrecisionIsAnArgumentError()
    {
        var result = CliProcess.Run("\"hello\"\n", "embed", "--model", Fixtures.Model("bert-tiny-uncased"), "--precision", "fp16");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--precision", result.Stderr);
    }

    [Fact]
    public void ServeTakesPrecisionAndDevice()
    {
        // Both reach the model load: a quantized precision on a device is refused there, before the server starts.
        var result = CliProcess.Run("", "serve", "--model", Fixtures.Model("bert-tiny-uncased"), "--port", "0",
            "--precision", "int8", "--device", "cpu-sim");
        Assert.Equal(4, result.ExitCode);
        Assert.Contains("runs on the CPU kernels only", result.Stderr);
    }
}
