using EmbedRt.TestKit;
using Xunit.Abstractions;

namespace EmbedRt.RealModel.Tests;

/// <summary>
/// bf16 and int8 compute against float32 on a real trained model (quantization error depends on real weight and
/// activation distributions, which random fixtures do not have): worst and mean cosine of each sentence's vector,
/// and retrieval agreement, recall@10 of each precision's neighbours against float32's over the same sentences.
/// </summary>
public class QuantizedAccuracyTests(MiniLmModel model, ITestOutputHelper output) : IClassFixture<MiniLmModel>
{
    private const int Neighbours = 10;

    [Theory]
    [InlineData(ComputePrecision.BFloat16, 0.999, 0.95)]
    [InlineData(ComputePrecision.Int8, 0.99, 0.95)]
    public void MeetsRetrievalTargets(ComputePrecision precision, double worstCosine, double recall)
    {
        Assert.True(model.Sentences.Length >= 200, $"only {model.Sentences.Length} sentences");
        var expected = Embed(ComputePrecision.Float32);
        var actual = Embed(precision);
        var cosines = expected.Select((v, i) => Metrics.Cosine(actual[i], v)).ToArray();
        double recallAt10 = RecallAtK(expected, actual);
        output.WriteLine($"{precision}: {cosines.Length} sentences, worst cosine {cosines.Min():F6}, mean {cosines.Average():F6}, recall@{Neighbours} {recallAt10:F4}");
        Assert.True(cosines.Min() >= worstCosine, $"{precision}: worst cosine {cosines.Min():F6} (sentence \"{model.Sentences[Array.IndexOf(cosines, cosines.Min())]}\")");
        Assert.True(recallAt10 >= recall, $"{precision}: recall@{Neighbours} {recallAt10:F4}");
    }

    /// <summary>The converted model is the real one: related sentences are much closer than unrelated ones.</summary>
    [Fact]
    public void ConvertedModelEmbedsMeaning()
    {
        using var loaded = EmbeddingModel.Load(model.Directory, new EmbeddingOptions { Threads = 2 });
        var v = loaded.Embed(["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell sharply today."]);
        double related = Metrics.Cosine(v[0], v[1]), unrelated = Metrics.Cosine(v[0], v[2]);
        Assert.True(related > 0.4 && unrelated < 0.2, $"related {related:F3}, unrelated {unrelated:F3}");
    }

    private float[][] Embed(ComputePrecision precision)
    {
        using var loaded = EmbeddingModel.Load(model.Directory, new EmbeddingOptions { Threads = 2, Precision = precision });
        return loaded.Embed(model.Sentences);
    }

    /// <summary>Mean over queries (every sentence, itself excluded) of |top-k by actual ∩ top-k by expected| / k.</summary>
    private static double RecallAtK(float[][] expected, float[][] actual)
    {
        double total = 0;
        for (int q = 0; q < expected.Length; q++)
        {
            var truth = TopK(expected, q).ToHashSet();
            total += TopK(actual, q).Count(truth.Contains) / (double)Neighbours;
        }
        return total / expected.Length;
    }

    private static IEnumerable<int> TopK(float[][] vectors, int query)
        => Enumerable.Range(0, vectors.Length).Where(i => i != query)
            .OrderByDescending(i => Metrics.Cosine(vectors[query], vectors[i])).Take(Neighbours);
}
