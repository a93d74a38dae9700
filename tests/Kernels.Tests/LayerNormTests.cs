using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class LayerNormTests
{
    /// <summary>Outputs are O(1); float sums over ≤ 1000 columns stay within a few 1e-7.</summary>
    private const double MaxAbsError = 1e-5;


    public enum Output { Separate, AliasX, AliasResidual }

    [Theory]
    [MemberData(nameof(KernelSets.TierAndColumnData), MemberType = typeof(KernelSets))]
    public void MatchesReference(CpuTier tier, int cols)
    {
        foreach (int rows in new[] { 1, 3, 17, 129 })
            foreach (bool withResidual in new[] { false, true })
                foreach (var output in Enum.GetValues<Output>())
                {
                    if (output == Output.AliasResidual && !withResidual) continue;
                    foreach (int threads in KernelSets.ThreadCounts)
                        Check(KernelSets.Get(tier, threads), rows, cols, withResidual, output);
                }
    }

    private static void Check(CpuKernels kernels, int rows, int cols, bool withResidual, Output output)
    {
        // An offset mean and a spread-out scale, like real hidden states.
        var x = Metrics.Random(rows * cols, rows + cols, 3f);
        for (int i = 0; i < x.Length; i++) x[i] += 2f;
        var residual = withResidual ? Metrics.Random(rows * cols, 2 * cols + 1) : [];
        var gamma = Metrics.Random(cols, 5);
        var beta = Metrics.Random(cols, 6);
        var expected = new float[rows * cols];
        KernelSets.Reference.AddLayerNorm(x, residual, gamma, beta, 1e-12f, rows, cols, expected);
        var y = output switch { Output.AliasX => x, Output.AliasResidual => residual, _ => new float[rows * cols] };
        kernels.AddLayerNorm(x, residual, gamma, beta, 1e-12f, rows, cols, y);
        double error = Metrics.MaxAbsError(y, expected);
        Assert.True(error <= MaxAbsError,
            $"{kernels.Name} threads={kernels.Threads} rows={rows} cols={cols} residual={withResidual} {output}: max |Δ| {error:E2}");
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        float[] four = new float[4], two = new float[2];
        Assert.Throws<ArgumentException>(() => kernels.AddLayerNorm(new float[3], [], two, two, 1e-5f, 2, 2, four));
        Assert.Throws<ArgumentException>(() => kernels.AddLayerNorm(four, new float[3], two, two, 1e-5f, 2, 2, four));
        Assert.Throws<ArgumentException>(() => kernels.AddLayerNorm(four, [], new float[1], two, 1e-5f, 2, 2, four));
        Assert.Throws<ArgumentException>(() => kernels.AddLayerNorm(four, [], two, two, 1e-5f, 2, 2, new float[3]));
    }
}
