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

    [Fact]
    public void A_prompt_longer_than_a_chunk_mean_window_is_left_out_of_every_window_that_holds_it()
    {
        string dir = Fixtures.CopyModel("bert-tiny-uncased");
        string poolingPath = Path.Combine(dir, "1_Pooling", "config.json");
        File.WriteAllText(poolingPath, File.ReadAllText(poolingPath).Replace("\"include_prompt\": true", "\"include_prompt\": false"));
        const int maxLength = 6, window = maxLength - 2;
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = maxLength, LongInputs = LongInputPolicy.ChunkMean, Normalize = false });
        const string prompt = "represent this sentence for searching relevant passages: ", text = "the quick brown fox jumps over the lazy dog";
        int promptContent = model.Tokenizer.Encode(prompt).Ids.Length - 2; // sentence-transformers: prompt_length = len - 1 (CLS kept in it)
        Assert.True(promptContent > window);
        var ids = model.Tokenizer.Encode(prompt + text).Ids;
        var content = ids[1..^1];

        // Each window [CLS, part, SEP] pooled without its CLS and prompt tokens; the windows averaged.
        int h = model.Dimension, windows = 0;
        var expected = new double[h];
        for (int start = 0; start < content.Length; start += window, windows++)
        {
            var part = content[start..Math.Min(start + window, content.Length)];
            int[] windowIds = [ids[0], .. part, ids[^1]];
            int promptHere = Math.Clamp(promptContent - start, 0, part.Length);
            int skip = start == 0 || promptHere > 0 ? Math.Min(1 + promptHere, windowIds.Length - 1) : 0;
            var hidden = model.LastHiddenState(new TokenEncoding(windowIds, new int[windowIds.Length]));
            var pooled = new double[h];
            for (int t = skip; t < windowIds.Length; t++)
                for (int c = 0; c < h; c++) pooled[c] += hidden[t * h + c] / (windowIds.Length - skip);
            for (int c = 0; c < h; c++) expected[c] += pooled[c];
        }
        for (int c = 0; c < h; c++) expected[c] /= windows;
        Assert.True(Metrics.MaxAbsError(model.Embed([text], prompt: prompt)[0], expected) <= 1e-5);
    }
}
