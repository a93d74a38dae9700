using System.Text.Json;
using EmbedRt.Output;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>embed --dimensions and --output: every format against the library's encoding of the same vectors.</summary>
public class CliOutputFormatTests
{
    private static readonly string Model = Fixtures.Model("bert-tiny-uncased");
    private const string Input = "\"hello world\"\n\"the quick brown fox\"\n";

    private static float[][] Expected(int? dimensions = null)
    {
        using var model = EmbeddingModel.Load(Model);
        var vectors = model.Embed(["hello world", "the quick brown fox"]);
        return dimensions is { } d ? vectors.Select(v => Matryoshka.Truncate(v, d, normalize: true)).ToArray() : vectors;
    }

    private static JsonElement[] Lines(params string[] extra)
    {
        var result = CliProcess.Run(Input, ["embed", "--model", Model, .. extra]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void Dimensions_truncate_and_renormalize()
    {
        var lines = Lines("--dimensions", "16");
        var expected = Expected(16);
        for (int i = 0; i < 2; i++)
            Assert.Equal(expected[i], lines[i].EnumerateArray().Select(x => x.GetSingle()).ToArray());
    }

    [Fact]
    public void Every_output_format_encodes_the_vectors()
    {
        var expected = Expected(24);
        var int8 = Lines("--dimensions", "24", "--output", "int8");
        var uint8 = Lines("--dimensions", "24", "--output", "uint8");
        var binary = Lines("--dimensions", "24", "--output", "binary");
        var ubinary = Lines("--dimensions", "24", "--output", "ubinary");
        var base64 = Lines("--dimensions", "24", "--output", "base64");
        for (int i = 0; i < 2; i++)
        {
            var q = new sbyte[24];
            EmbeddingQuantizer.ToInt8(expected[i], q);
            Assert.Equal(q.Select(x => (int)x), Ints(int8[i]));
            Assert.Equal(q.Select(x => x + 128), Ints(uint8[i]));
            var bits = new byte[3];
            EmbeddingQuantizer.ToUBinary(expected[i], bits);
            Assert.Equal(bits.Select(x => (int)x), Ints(ubinary[i]));
            Assert.Equal(bits.Select(x => x - 128), Ints(binary[i]));
            Assert.Equal(expected[i], EmbeddingQuantizer.FromBase64(base64[i].GetString()!));
        }
    }

    [Theory]
    [InlineData("--dimensions", "65", "more than the model's 64")]
    [InlineData("--dimensions", "0", "--dimensions")]
    [InlineData("--output", "int4", "int4")]
    public void Impossible_requests_are_argument_errors(string option, string value, string message)
    {
        var result = CliProcess.Run(Input, "embed", "--model", Model, option, value);
        Assert.Equal(4, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Empty(result.Stdout);
    }
}
