using System.Collections.Concurrent;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Reference;

namespace EmbedRt.Kernels.Tests;

/// <summary>
/// The kernel sets under test: every tier this process can run (so one run covers AVX-512, AVX2 and scalar on
/// a capable machine; the CI re-runs with wider tiers disabled), each with one and with three threads (three
/// on a two-core machine also exercises uneven task splits). Instances are shared: they own worker threads.
/// </summary>
public static class KernelSets
{
    private static readonly ConcurrentDictionary<(CpuTier, int), CpuKernels> Instances = new();

    public static readonly ReferenceKernels Reference = new();

    public static IEnumerable<CpuTier> Tiers => Enum.GetValues<CpuTier>().Where(t => t <= CpuKernels.BestTier);

    public static readonly int[] ThreadCounts = [1, 3];

    public static CpuKernels Get(CpuTier tier, int threads) => Instances.GetOrAdd((tier, threads), key => new CpuKernels(key.Item2, key.Item1));

    /// <summary>The row widths the issue asks every row kernel to be checked at: around and across vector widths.</summary>
    public static readonly int[] OddColumns = [1, 3, 17, 63, 65, 127, 129, 383, 384, 1000];

    /// <summary>Every runnable tier × every width of <see cref="OddColumns"/>.</summary>
    public static TheoryData<CpuTier, int> TierAndColumnData()
    {
        var data = new TheoryData<CpuTier, int>();
        foreach (var tier in Tiers)
            foreach (int cols in OddColumns) data.Add(tier, cols);
        return data;
    }

    public static TheoryData<CpuTier> TierData()
    {
        var data = new TheoryData<CpuTier>();
        foreach (var tier in Tiers) data.Add(tier);
        return data;
    }

    /// <summary>The reference and every runnable tier (one thread), by name: for behaviour both sets must share.</summary>
    public static TheoryData<string> AllKernelSets()
    {
        var data = new TheoryData<string> { Reference.Name };
        foreach (var tier in Tiers) data.Add(tier.ToString());
        return data;
    }

    public static IKernels ByName(string name) => name == Reference.Name ? Reference : Get(Enum.Parse<CpuTier>(name), 1);

    /// <summary>ggml test-backend-ops' metric: Σ(a − b)² / Σb², normalized so it is independent of scale.</summary>
    public static double NormalizedMse(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double error = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            error += d * d;
            norm += (double)expected[i] * expected[i];
        }
        return norm == 0 ? error : error / norm;
    }
}
