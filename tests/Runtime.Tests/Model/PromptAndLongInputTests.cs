using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

public class PromptAndLongInputTests
{
    [Fact]
    public void DefaultPromptFromTheFolderIsPrepended()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.WriteAllText(Path.Combine(dir, "config_sentence_transformers.json"),
            """{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query"}""");
        using var model = EmbeddingModel.Load(dir);

        Assert.Equal(model.Embed(["query: hello"], prompt: "")[0], model.Embed(["hello"])[0]);
        Assert.Equal(model.Embed(["passage: hello"], prompt: "")[0], model.Embed(["hello"], promptName: "passage")[0]);
        var error = Assert.Throws<ArgumentException>(() => model.Embed(["hello"], promptName: "document"));
        Assert.Contains("query, passage", error.Message);
    }

    [Fact]
    public void MeanPoolingLeavesThePromptOutWhenIncludePromptIsFalse()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var poolingPath = Path.Combine(dir, "1_Pooling", "config.json");
        File.WriteAllText(poolingPath, File.ReadAllText(poolingPath).Replace("\"include_prompt\": true", "\"include_prompt\": false"));
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { Normalize = false });

        var vector = model.Embed(["hello world"], prompt: "query: ")[0];

        // sentence-transformers masks prompt_length = len(tokenize(prompt)) - 1 leading tokens: CLS and the prompt.
        int promptTokens = model.Tokenizer.Encode("query: ").Ids.Length - 1;
        var encoding = model.Tokenizer.Encode("query: hello world");
        var hidden = model.LastHiddenState(encoding);
        int h = model.Dimension, n = encoding.Ids.Length;
        var expected = new double[h];
        for (int t = promptTokens; t < n; t++)
            for (int c = 0; c < h; c++) expected[c] += hidden[t * h + c] / (double)(n - promptTokens);
        Assert.True(Metrics.MaxAbsError(vector, expected) <= 1e-5);
    }

    [Fact]
    public void ChunkMeanAveragesTheWindowVectors()
    {
        var dir = Fixtures.Model("bert-tiny-uncased");
        using var chunking = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean, Pooling = PoolingMode.Mean, Normalize = true });
        using var plain = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, Normalize = false });
        string text = "one two three four five six seven eight nine ten eleven twelve thirteen";
        var full = plain.Tokenizer.Encode(text);
        Assert.True(full.Ids.Length > 8);

        var windows = new List<TokenEncoding>();
        for (int start = 1; start < full.Ids.Length - 1; start += 6)
        {
            var content = full.Ids[start..Math.Min(start + 6, full.Ids.Length - 1)];
            int[] ids = [full.Ids[0], .. content, full.Ids[^1]];
            windows.Add(new TokenEncoding(ids, new int[ids.Length]));
        }
        var expected = plain.Embed(windows).Aggregate(new double[plain.Dimension], (sum, v) =>
        {
            for (int c = 0; c < sum.Length; c++) sum[c] += v[c] / windows.Count;
            return sum;
        });
        double norm = Math.Sqrt(expected.Sum(v => v * v));

        var actual = chunking.Embed([text])[0];
        Assert.True(Metrics.MaxAbsError(actual, expected.Select(v => v / norm).ToArray()) <= 1e-5);
    }

    [Fact]
    public void ErrorPolicyNamesTheInput()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { MaxLength = 8, LongInputs = LongInputPolicy.Error });
        model.Embed(["short"]);
        var error = Assert.Throws<InputTooLongException>(() => model.Embed(["short", "one two three four five six seven eight nine"]));
        Assert.Contains("input 1", error.Message);
        Assert.Equal(1, error.InputIndex);
        Assert.Equal(8, error.MaxLength);
    }

    [Fact]
    public void TruncatePolicyReportsWhichInputsItCut()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { MaxLength = 8 });
        var cut = new List<int>();
        var vectors = model.EmbedPairs([("short", null), ("one two three four five six seven eight nine", null), ("a b", "c d e f g")],
            onTruncated: cut.Add);
        Assert.Equal(3, vectors.Length);
        Assert.Equal([1, 2], cut);
        cut.Clear();
        model.EmbedPairs([("one two three four", null)], prompt: "a b c d ", onTruncated: cut.Add); // 4 + 4 + 2 > 8
        Assert.Equal([0], cut);
    }

    [Fact]
    public void TruncationDirectionReachesTheTokenizerFromTheOptionsAndPerCall()
    {
        const string text = "one two three four five six seven eight nine";
        var dir = Fixtures.Model("bert-tiny-uncased");
        using var right = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 6 });
        using var left = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 6, TruncationDirection = TruncationDirection.Left });
        var tokenizer = right.Tokenizer;
        var leftIds = tokenizer.Encode(text, null, 6, TruncationDirection.Left).Ids;
        var rightIds = tokenizer.Encode(text, null, 6).Ids;
        Assert.NotEqual(leftIds, rightIds);
        Assert.Equal(rightIds, right.Prepare([(text, null)]).Encodings.Single().Ids);
        Assert.Equal(leftIds, left.Prepare([(text, null)]).Encodings.Single().Ids);
        Assert.Equal(leftIds, right.Prepare([(text, null)], new PrepareOptions { TruncationDirection = TruncationDirection.Left }).Encodings.Single().Ids);
        Assert.Equal(rightIds, left.Prepare([(text, null)], new PrepareOptions { TruncationDirection = TruncationDirection.Right }).Encodings.Single().Ids);
        Assert.Equal([0], left.Prepare([(text, null)]).TruncatedInputs);
        // the vectors are those of the left-truncated ids
        var fromIds = left.Embed([left.Prepare([new TokenEncoding(leftIds, new int[leftIds.Length])])])[0][0];
        Assert.Equal(fromIds, left.Embed([left.Prepare([(text, null)])])[0][0]);
    }

    /// <summary>Each group's vectors reach the callback once, final (chunk-mean windows averaged and normalized), equal to the result.</summary>
    [Fact]
    public void EmbedReportsEachGroupAsSoonAsItsVectorsAreFinal()
    {
        var dir = Fixtures.Model("bert-tiny-uncased");
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean, BatchSize = 1 });
        string longText = string.Join(' ', Enumerable.Repeat("the of", 20));
        var groups = new[]
        {
            model.Prepare([("short", null), (longText, null)]),
            model.Prepare([("a b c", null)]),
            model.Prepare([(longText, null), ("x", null), ("the", null)], new PrepareOptions { Normalize = false }),
        };
        var reported = new Dictionary<int, float[][]>();
        var results = model.Embed(groups, (g, vectors) =>
        {
            Assert.False(reported.ContainsKey(g), $"group {g} reported twice");
            reported[g] = vectors.Select(v => (float[])v.Clone()).ToArray(); // a copy: later passes must not change it
        });
        Assert.Equal(3, reported.Count);
        for (int g = 0; g < groups.Length; g++) Assert.Equal(results[g], reported[g]);
        Assert.Equal(results, model.Embed(groups));
        Assert.Equal(model.EmbedPairs([(longText, null)])[0], results[0][1]);
    }

    /// <summary>
    /// A chunk-mean input runs its windows a few batches at a time (here 4 windows per run, batch size 1): with the
    /// prompt left out of the mean, only the first window skips it; the vector is the mean of the window vectors.
    /// </summary>
    [Fact]
    public void ChunkMeanInGroupsSkipsThePromptInTheFirstWindowOnly()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var poolingPath = Path.Combine(dir, "1_Pooling", "config.json");
        File.WriteAllText(poolingPath, File.ReadAllText(poolingPath).Replace("\"include_prompt\": true", "\"include_prompt\": false"));
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions
        {
            MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean, Pooling = PoolingMode.Mean, Normalize = false, BatchSize = 1,
        });
        const string prompt = "query: ";
        string text = string.Join(' ', Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? "hello" : i % 3 == 1 ? "world" : "again"));
        var full = model.Tokenizer.Encode(prompt + text);
        int promptTokens = model.Tokenizer.Encode(prompt).Ids.Length - 1;
        int h = model.Dimension;
        var expected = new double[h];
        int windows = (full.Ids.Length - 2 + 5) / 6;
        Assert.True(windows > 8, "the text must need more than two runs of four windows");
        for (int w = 0; w < windows; w++)
        {
            int[] ids = [full.Ids[0], .. full.Ids.Skip(1 + 6 * w).Take(Math.Min(6, full.Ids.Length - 2 - 6 * w)), full.Ids[^1]];
            var hidden = model.LastHiddenState(new TokenEncoding(ids, new int[ids.Length]));
            int skip = w == 0 ? promptTokens : 0;
            for (int t = skip; t < ids.Length; t++)
                for (int c = 0; c < h; c++) expected[c] += hidden[t * h + c] / (ids.Length - skip) / windows;
        }
        var actual = model.Embed([text], prompt: prompt)[0];
        Assert.True(Metrics.MaxAbsError(actual, expected) <= 1e-5);
        Assert.Equal(windows * 8 - (windows * 6 - (full.Ids.Length - 2)), model.CountTokens([text], prompt: prompt));
    }

    /// <summary>Prepared texts list a chunked input's windows in place, between the inputs around it.</summary>
    [Fact]
    public void PreparedEncodingsListTheWindowsOfAChunkedInputInOrder()
    {
        var dir = Fixtures.Model("bert-tiny-uncased");
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean });
        string longText = "one two three four five six seven eight nine ten eleven twelve thirteen";
        var prepared = model.Prepare([("first", null), (longText, null), ("last", null)]);
        var full = model.Tokenizer.Encode(longText);
        var encodings = prepared.Encodings.ToArray();
        Assert.Equal(model.Tokenizer.Encode("first").Ids, encodings[0].Ids);
        Assert.Equal(model.Tokenizer.Encode("last").Ids, encodings[^1].Ids);
        var windows = encodings[1..^1];
        Assert.Equal((full.Ids.Length - 2 + 5) / 6, windows.Length);
        Assert.Equal(full.Ids[1..^1], windows.SelectMany(window => window.Ids[1..^1]));
        Assert.All(windows, window => Assert.True(window.Ids.Length <= 8 && window.Ids[0] == full.Ids[0] && window.Ids[^1] == full.Ids[^1]));
        Assert.Equal(encodings.Sum(encoding => encoding.Ids.Length), prepared.TokenCount);
        Assert.Empty(prepared.TruncatedInputs);
    }
}
