using System.Text.Json;
using EmbedRt.M3;
using EmbedRt.Runtime.Tests.Model;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Heads;

/// <summary>BGE-M3 dense, sparse, ColBERT outputs and pair scores against the float64 reference.</summary>
public class BgeM3Tests
{
    private const string ModelName = "xlmr-tiny-m3";
    private static readonly Lazy<BgeM3Model> Model = new(() => BgeM3Model.Load(Fixtures.Model(ModelName), new EmbeddingOptions { Threads = 2 }));

    public static TheoryData<int> Cases() => new(ReferenceCases.Load(ModelName).Select(c => c.Index));

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputsMatchReference(int index)
    {
        var reference = ReferenceCases.Load(ModelName)[index];
        var output = Model.Value.Encode([new TokenEncoding(reference.InputIds, reference.TokenTypeIds)])[0];

        Assert.True(Metrics.Cosine(output.Dense, ReferenceCases.Doubles(reference.Raw.GetProperty("dense"))) >= 0.99999);

        var expectedSparse = reference.Raw.GetProperty("sparse").EnumerateObject()
            .ToDictionary(p => int.Parse(p.Name), p => p.Value.GetDouble());
        Assert.Equal(expectedSparse.Keys.Order(), output.Sparse.Keys.Order());
        foreach (var (token, weight) in expectedSparse) Assert.True(Math.Abs(output.Sparse[token] - weight) <= 1e-4, $"token {token}");

        var expectedColbert = reference.Raw.GetProperty("colbert").EnumerateArray().Select(ReferenceCases.Doubles).ToArray();
        Assert.Equal(reference.InputIds.Length - 1, output.ColBert.Length);
        Assert.Equal(expectedColbert.Length, output.ColBert.Length);
        for (int i = 0; i < expectedColbert.Length; i++)
            Assert.True(Metrics.MaxAbsError(output.ColBert[i], expectedColbert[i]) <= 1e-4, $"colbert row {i}");
    }

    [Fact]
    public void PairScoresMatchFlagEmbedding()
    {
        var pairs = ReferenceCases.Root(ModelName).GetProperty("pair_scores_all").EnumerateArray().ToArray();
        Assert.NotEmpty(pairs);
        foreach (var pair in pairs)
        {
            var outputs = Model.Value.Encode([pair.GetProperty("query").GetString()!, pair.GetProperty("passage").GetString()!]);
            var weights = pair.GetProperty("weights_for_different_modes").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var scores = M3Scoring.Score(outputs[0], outputs[1], (weights[0], weights[1], weights[2]));
            AssertScore(pair, "dense", scores.Dense);
            AssertScore(pair, "lexical", scores.Lexical);
            AssertScore(pair, "colbert", scores.ColBert);
            AssertScore(pair, "sparse+dense", scores.SparseDense);
            AssertScore(pair, "colbert+sparse+dense", scores.ColBertSparseDense);
        }
    }

    [Fact]
    public void MissingHeadIsReportedByName()
    {
        var dir = Fixtures.CopyModel(ModelName);
        File.Delete(Path.Combine(dir, "sparse_linear.pt"));
        var error = Assert.Throws<Loader.ModelFormatException>(() => BgeM3Model.Load(dir));
        Assert.Contains("sparse_linear", error.Message);
    }

    private static void AssertScore(JsonElement pair, string name, double actual)
    {
        double expected = pair.GetProperty(name).GetDouble();
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{name}: {actual} vs {expected}");
    }

    /// <summary>Each input's result reaches the callback once, as returned.</summary>
    [Fact]
    public void EncodeReportsEachInputAsItsPassIsDone()
    {
        var texts = new[] { "short", "a somewhat longer input text here", "中文", "x" };
        var encodings = texts.Select(t => Model.Value.Tokenizer.Encode(t)).ToArray();
        var reported = new M3Embedding?[texts.Length];
        var results = Model.Value.Encode(encodings, (i, result) =>
        {
            Assert.Null(reported[i]);
            reported[i] = result;
        });
        Assert.Equal(results, reported);
    }
}
