using System.Text.Json.Nodes;
using EmbedRt.Loader;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Hardening;

/// <summary>
/// Model folders of shapes the fixtures do not have (a position table too small for the special tokens, a
/// tokenizer with no or unusual special tokens) and limits at the edge (max length 2 with chunk-mean): a typed
/// error or correct vectors, never an ArgumentException from Math.Clamp or windows that never end.
/// </summary>
public class OddShapeModelTests
{
    [Theory]
    [InlineData(1)]
    public void A_position_table_without_room_for_the_special_tokens_is_refused_naming_config_json(int positions)
    {
        string dir = RandomModel.Write(new ModelShape { MaxPositions = positions });
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Equal(Path.Combine(dir, "config.json"), error.FilePath);
        Assert.Contains("max_position_embeddings", error.Problem);
    }

    [Fact]
    public void Chunk_mean_windows_with_no_room_for_text_are_refused_instead_of_splitting_forever()
    {
        string dir = Fixtures.Model("bert-tiny-uncased");
        var options = new EmbeddingOptions { MaxLength = 2, LongInputs = LongInputPolicy.ChunkMean };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFiles.WithinSeconds(20, () => EmbeddingModel.Load(dir, options).Dispose()));
        Assert.Contains("chunk-mean", error.Message);

        // The same limit chosen per call.
        using var model = EmbeddingModel.Load(dir, options with { LongInputs = LongInputPolicy.Truncate });
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecialFiles.WithinSeconds(20,
            () => model.Prepare([("hello world", null)], new PrepareOptions { LongInputs = LongInputPolicy.ChunkMean })));
        // Truncation to the special tokens alone stays what Hugging Face gives.
        Assert.Equal(2, model.Prepare([("hello world", null)]).TokenCount);
    }

    [Fact]
    public void Chunk_mean_windows_repeat_only_the_templates_special_tokens()
    {
        // A tokenizer.json whose template puts nothing around the text (no post_processor): every window is text.
        string dir = Fixtures.CopyModel("bert-tiny-uncased");
        string tokenizerPath = Path.Combine(dir, "tokenizer.json");
        var tokenizer = JsonNode.Parse(File.ReadAllText(tokenizerPath))!.AsObject();
        tokenizer["post_processor"] = null;
        File.WriteAllText(tokenizerPath, tokenizer.ToJsonString());
        const int maxLength = 5;
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = maxLength, LongInputs = LongInputPolicy.ChunkMean, Normalize = false });
        const string text = "the quick brown fox jumps over the lazy dog";
        var ids = model.Tokenizer.Encode(text).Ids;
        Assert.True(ids.Length > 2 * maxLength);

        var windows = ids.Chunk(maxLength).Select(window => new TokenEncoding(window, new int[window.Length])).ToArray();
        var expected = new double[model.Dimension];
        foreach (var vector in model.Embed(windows))
            for (int c = 0; c < expected.Length; c++) expected[c] += vector[c] / windows.Length;
        Assert.True(Metrics.MaxAbsError(model.Embed([text])[0], expected) <= 1e-5);
    }
}
