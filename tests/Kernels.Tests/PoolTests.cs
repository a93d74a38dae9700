using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class PoolTests
{
    private const double MaxAbsError = 1e-5;


    [Theory]
    [MemberData(nameof(KernelSets.TierAndColumnData), MemberType = typeof(KernelSets))]
    public void MatchesReference(CpuTier tier, int cols)
    {
        var kernels = KernelSets.Get(tier, 1);
        foreach (int rows in new[] { 1, 2, 17, 130 })
        {
            var hidden = Metrics.Random(rows * cols, rows + cols, 3f);
            foreach (var pooling in Enum.GetValues<TokenPooling>())
                foreach (bool normalize in new[] { false, true })
                {
                    var expected = new float[cols];
                    KernelSets.Reference.Pool(hidden, rows, cols, pooling, normalize, expected);
                    var output = new float[cols];
                    Array.Fill(output, float.NaN);
                    kernels.Pool(hidden, rows, cols, pooling, normalize, output);
                    double error = Metrics.MaxAbsError(output, expected);
                    Assert.True(error <= MaxAbsError, $"{kernels.Name} rows={rows} cols={cols} {pooling} normalize={normalize}: max |Δ| {error:E2}");
                }
        }
    }

    [Theory]
    [MemberData(nameof(KernelSets.AllKernelSets), MemberType = typeof(KernelSets))]
    public void PoolsOnlyTheGivenRowsAndNormalizes(string kernelSet)
    {
        var kernels = KernelSets.ByName(kernelSet);
        float[] hidden = [3, 4, 1, 0, 100, 100];
        var output = new float[2];
        kernels.Pool(hidden, 2, 2, TokenPooling.Mean, false, output);
        Assert.Equal([2f, 2f], output);
        kernels.Pool(hidden, 2, 2, TokenPooling.First, true, output);
        Assert.Equal(0.6f, output[0], 6);
        Assert.Equal(0.8f, output[1], 6);
        kernels.Pool(new float[6], 3, 2, TokenPooling.Mean, true, output);
        Assert.Equal([0f, 0f], output);
    }

    /// <summary>Output may be the input row itself: one row with normalize scales a vector to unit length in place.</summary>
    [Theory]
    [MemberData(nameof(KernelSets.AllKernelSets), MemberType = typeof(KernelSets))]
    public void NormalizesAVectorInPlace(string kernelSet)
    {
        var kernels = KernelSets.ByName(kernelSet);
        var vector = Metrics.Random(129, 4, 5f);
        var expected = new float[vector.Length];
        KernelSets.Reference.Pool((float[])vector.Clone(), 1, vector.Length, TokenPooling.First, true, expected);
        kernels.Pool(vector, 1, vector.Length, TokenPooling.First, true, vector);
        Assert.True(Metrics.MaxAbsError(vector, expected) <= MaxAbsError);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 1e-6);
    }

    [Theory]
    [MemberData(nameof(KernelSets.AllKernelSets), MemberType = typeof(KernelSets))]
    public void RejectsBadArguments(string kernelSet)
    {
        var kernels = KernelSets.ByName(kernelSet);
        Assert.Throws<ArgumentException>(() => kernels.Pool(new float[3], 2, 2, TokenPooling.Mean, false, new float[2]));
        Assert.Throws<ArgumentException>(() => kernels.Pool(new float[4], 2, 2, TokenPooling.Mean, false, new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernels.Pool(new float[4], 0, 2, TokenPooling.Mean, false, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernels.Pool(new float[4], 2, 2, (TokenPooling)7, false, new float[2]));
    }
}
