using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class EmbeddingLayerNormTests
{
    /// <summary>Outputs are O(1); float sums over ≤ 1000 columns stay within a few 1e-7.</summary>
    private const double MaxAbsError = 1e-5;


    public static TheoryData<CpuTier, int, HalfFormat?> CaseData()
    {
        var data = new TheoryData<CpuTier, int, HalfFormat?>();
        foreach (var tier in KernelSets.Tiers)
            foreach (int cols in KernelSets.OddColumns)
                foreach (var format in new HalfFormat?[] { null, HalfFormat.Float16, HalfFormat.BFloat16 })
                    data.Add(tier, cols, format);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void MatchesReference(CpuTier tier, int cols, HalfFormat? format)
    {
        const int vocab = 50, positionsCount = 40, types = 2;
        var values = Metrics.Random(vocab * cols, cols, 2f);
        var word = format is { } f
            ? new EmbeddingTable(HalfBits.Encode(values, f), f, vocab, cols)
            : new EmbeddingTable(values, vocab, cols);
        var position = Metrics.Random(positionsCount * cols, cols + 1);
        var tokenType = Metrics.Random(types * cols, cols + 2);
        var gamma = Metrics.Random(cols, 5);
        var beta = Metrics.Random(cols, 6);
        var random = new Random(cols);
        foreach (int tokens in new[] { 0, 1, 3, 17, 129 })
        {
            var ids = Enumerable.Range(0, tokens).Select(_ => random.Next(vocab)).ToArray();
            var positions = Enumerable.Range(0, tokens).Select(t => t % positionsCount).ToArray();
            var typeIds = Enumerable.Range(0, tokens).Select(_ => random.Next(types)).ToArray();
            var expected = new float[tokens * cols];
            KernelSets.Reference.EmbeddingLayerNorm(ids, positions, typeIds, word, position, tokenType, gamma, beta, 1e-12f, cols, expected);
            foreach (int threads in KernelSets.ThreadCounts)
            {
                var kernels = KernelSets.Get(tier, threads);
                var y = new float[tokens * cols];
                Array.Fill(y, float.NaN);
                kernels.EmbeddingLayerNorm(ids, positions, typeIds, word, position, tokenType, gamma, beta, 1e-12f, cols, y);
                double error = Metrics.MaxAbsError(y, expected);
                Assert.True(error <= MaxAbsError, $"{kernels.Name} threads={threads} tokens={tokens} cols={cols}: max |Δ| {error:E2}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelSets.AllKernelSets), MemberType = typeof(KernelSets))]
    public void RejectsIndicesOutsideTheirTables(string kernelSet)
    {
        var kernels = KernelSets.ByName(kernelSet);
        float[] table = new float[4], two = new float[2], y = new float[4];
        var word = new EmbeddingTable(table, 2, 2);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.EmbeddingLayerNorm([0, 2], [0, 1], [0, 0], word, table, table, two, two, 1e-5f, 2, y));
        Assert.Contains("token 1", error.Message);
        Assert.Contains("word", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.EmbeddingLayerNorm([0, 1], [-1, 1], [0, 0], word, table, table, two, two, 1e-5f, 2, y));
        Assert.Contains("position", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            kernels.EmbeddingLayerNorm([0, 1], [0, 1], [0, 5], word, table, table, two, two, 1e-5f, 2, y));
        Assert.Contains("token type", error.Message);
        Assert.Throws<ArgumentException>(() =>
            kernels.EmbeddingLayerNorm([0, 1], [0], [0, 0], word, table, table, two, two, 1e-5f, 2, y));
        Assert.Throws<ArgumentException>(() =>
            kernels.EmbeddingLayerNorm([0, 1], [0, 1], [0, 0], word, table, table, two, two, 1e-5f, 2, new float[3]));
    }
}
