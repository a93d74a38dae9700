using EmbedRt.Rerank;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>
/// bf16 and int8 compute on every fixture model: the fast kernels must agree with the reference kernels at the same
/// precision (the quantized oracle), and both must stay near the float64 reference. These are random-weight
/// models; accuracy on real trained weights is measured with all-MiniLM-L6-v2.
/// </summary>
public class ComputePrecisionTests
{
    public static TheoryData<string, int, ComputePrecision> Cases()
    {
        var data = new TheoryData<string, int, ComputePrecision>();
        foreach (var model in FixtureModelTests.Models)
            foreach (var c in ReferenceCases.Load(model))
                foreach (var precision in new[] { ComputePrecision.BFloat16, ComputePrecision.Int8 })
                    data.Add(model, c.Index, precision);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FastKernelsMatchReferenceKernelsAndStayNearFloat64(string model, int index, ComputePrecision precision)
    {
        var reference = ReferenceCases.Load(model)[index];
        var encoding = new TokenEncoding(reference.InputIds, reference.TokenTypeIds);
        var fast = Load(model, KernelChoice.Auto, precision).LastHiddenState(encoding);
        var oracle = Load(model, KernelChoice.Reference, precision).LastHiddenState(encoding);
        // Same quantized integers on both sides; only float32 rounding differs, and an activation row may land on a
        // rounding boundary differently, which moves one token's value by one quantization step.
        double agreement = Metrics.Cosine(fast, oracle);
        Assert.True(agreement >= 0.9999, $"{precision} fast vs reference kernels: cosine {agreement}");
        if (reference.LastHiddenState is { } expected)
        {
            double cosine = Metrics.Cosine(fast, expected.SelectMany(row => row).ToArray());
            double floor = precision == ComputePrecision.BFloat16 ? 0.999 : 0.99;
            Assert.True(cosine >= floor, $"{precision} vs float64 reference: cosine {cosine}");
        }
    }

    [Theory]
    [InlineData(ComputePrecision.BFloat16)]
    [InlineData(ComputePrecision.Int8)]
    public void RerankerScoresFollowFloat32(ComputePrecision precision)
    {
        string directory = Fixtures.Model("xlmr-tiny-reranker");
        var pairs = ReferenceCases.Load("xlmr-tiny-reranker").Select(c => (c.Text, c.Pair ?? "")).ToArray();
        using var float32 = CrossEncoder.Load(directory, new EmbeddingOptions { Threads = 2 });
        using var quantized = CrossEncoder.Load(directory, new EmbeddingOptions { Threads = 2, Precision = precision });
        var expected = float32.Logits(pairs);
        var actual = quantized.Logits(pairs);
        double spread = expected.Max() - expected.Min();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 0.05 * Math.Max(spread, 1e-3), $"pair {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void UnknownPrecisionIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { Precision = (ComputePrecision)7 }));
        Assert.Contains("precision", error.Message);
    }

    private static EmbeddingModel Load(string model, KernelChoice kernels, ComputePrecision precision)
        => Models.GetOrAdd((model, kernels, precision), key => new Lazy<EmbeddingModel>(() => EmbeddingModel.Load(Fixtures.Model(key.Model),
            new EmbeddingOptions { Kernels = key.Kernels, Threads = 2, Precision = key.Precision }))).Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, KernelChoice Kernels, ComputePrecision Precision), Lazy<EmbeddingModel>> Models = new();
}
