using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class AttentionTests
{
    /// <summary>Float accumulation and a 2-ulp exp keep NMSE near 1e-13; a masking or rescaling bug is ≫ 1e-4.</summary>
    private const double MaxNmse = 1e-9;

    // Sequence-length mixes: single tokens, lengths around the 64-row key/query tiles, an empty sequence, and
    // few sequences (split into head groups and query chunks across threads) next to many (one task each).
    private static readonly int[][] Mixes =
    [
        [1], [1, 1, 1], [3, 17, 1, 64], [65, 1, 130], [200], [5, 0, 63, 129], [7, 66, 2, 9, 128, 31, 64, 65, 1],
    ];

    public static TheoryData<CpuTier, int, int, int, float> CaseData()
    {
        var data = new TheoryData<CpuTier, int, int, int, float>();
        foreach (var tier in KernelSets.Tiers)
            for (int mix = 0; mix < Mixes.Length; mix++)
            {
                data.Add(tier, mix, 2, 64, 1f);
                data.Add(tier, mix, 3, 32, 1f);
            }
        foreach (var tier in KernelSets.Tiers)
        {
            data.Add(tier, 2, 3, 20, 1f);  // head size off the vector width
            data.Add(tier, 3, 1, 64, 4f);  // large logits: the running max must move and rescale
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void MatchesReference(CpuTier tier, int mix, int heads, int headDim, float scale)
    {
        var lengths = Mixes[mix];
        var offsets = new int[lengths.Length + 1];
        for (int s = 0; s < lengths.Length; s++) offsets[s + 1] = offsets[s] + lengths[s];
        int tokens = offsets[^1], hidden = heads * headDim;
        var qkv = Metrics.Random(tokens * 3 * hidden, mix * 100 + headDim, scale);
        var expected = new float[tokens * hidden];
        KernelSets.Reference.Attention(qkv, offsets, heads, headDim, expected);
        foreach (int threads in KernelSets.ThreadCounts)
        {
            var kernels = KernelSets.Get(tier, threads);
            var context = new float[tokens * hidden];
            Array.Fill(context, float.NaN);
            kernels.Attention(qkv, offsets, heads, headDim, context);
            double nmse = KernelSets.NormalizedMse(context, expected);
            Assert.True(nmse <= MaxNmse,
                $"{kernels.Name} threads={threads} lengths=[{string.Join(",", lengths)}] heads={heads} d={headDim}: NMSE {nmse:E2}");
        }
    }

    /// <summary>
    /// 8192 tokens must run in memory linear in length; spot-check rows against a double-precision sum.
    /// A small head keeps the quadratic work affordable on the scalar tier.
    /// </summary>
    [Fact]
    public void LongSequenceMatchesDirectSums()
    {
        const int tokens = 8192, heads = 1, headDim = 4;
        var qkv = Metrics.Random(tokens * 3 * headDim, 7);
        var context = new float[tokens * headDim];
        var kernels = KernelSets.Get(CpuKernels.BestTier, 3);
        kernels.Attention(qkv, [0, tokens], heads, headDim, context);
        foreach (int row in new[] { 0, 1, 63, 64, 4095, 8191 })
        {
            var expected = DirectRow(qkv, tokens, headDim, row);
            for (int d = 0; d < headDim; d++)
                Assert.True(Math.Abs(context[row * headDim + d] - expected[d]) < 1e-5, $"row {row} dim {d}");
        }
    }

    [Fact]
    public void RejectsDecreasingOffsets()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        Assert.Throws<ArgumentException>(() => kernels.Attention(new float[60], [0, 2, 1], 1, 4, new float[8]));
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        Assert.Throws<ArgumentException>(() => kernels.Attention(new float[23], [0, 2], 1, 4, new float[8]));
        Assert.Throws<ArgumentException>(() => kernels.Attention(new float[24], [0, 2], 1, 4, new float[7]));
    }

    private static double[] DirectRow(float[] qkv, int tokens, int d, int row)
    {
        int stride = 3 * d;
        var scores = new double[tokens];
        double max = double.NegativeInfinity;
        for (int j = 0; j < tokens; j++)
        {
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double)qkv[row * stride + c] * qkv[j * stride + d + c];
            scores[j] = dot / Math.Sqrt(d);
            max = Math.Max(max, scores[j]);
        }
        double total = 0;
        for (int j = 0; j < tokens; j++) total += scores[j] = Math.Exp(scores[j] - max);
        var result = new double[d];
        for (int j = 0; j < tokens; j++)
            for (int c = 0; c < d; c++) result[c] += scores[j] / total * qkv[j * stride + 2 * d + c];
        return result;
    }
}
