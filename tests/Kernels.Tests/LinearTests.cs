using System.Collections.Concurrent;
using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class LinearTests
{
    /// <summary>float32 accumulation over K ≤ 1000 terms stays near 1e-12; a packing or tiling bug is ≫ 1e-4.</summary>
    private const double MaxNmse = 1e-9;

    // Odd sizes on purpose: partial micro-tiles in both directions, K not a multiple of the depth block,
    // row counts that split into several row blocks, single rows and columns, few rows over a long depth
    // (packed over the whole depth at once).
    private static readonly (int Rows, int Out, int In)[] Shapes =
    [
        (1, 1, 1), (1, 17, 3), (3, 63, 17), (17, 65, 63), (63, 127, 65), (65, 129, 127), (127, 383, 129),
        (129, 384, 383), (6, 1000, 384), (1000, 65, 384), (383, 129, 1000), (2, 3, 1000), (300, 33, 513), (25, 100, 1537),
    ];

    private static readonly ConcurrentDictionary<int, Lazy<Case>> Cases = new();

    public static TheoryData<CpuTier, int> CaseData()
    {
        var data = new TheoryData<CpuTier, int>();
        foreach (var tier in KernelSets.Tiers)
            for (int i = 0; i < Shapes.Length; i++) data.Add(tier, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseData))]
    public void MatchesReference(CpuTier tier, int shapeIndex)
    {
        var c = Cases.GetOrAdd(shapeIndex, i => new Lazy<Case>(() => Case.Create(i))).Value;
        foreach (int threads in KernelSets.ThreadCounts)
        {
            var kernels = KernelSets.Get(tier, threads);
            var weights = kernels.PrepareLinear(c.Weight, c.Bias, c.Out, c.In);
            var y = new float[c.Rows * c.Out];
            Array.Fill(y, float.NaN);
            kernels.Linear(c.X, c.Rows, weights, y, c.Activation);
            double nmse = KernelSets.NormalizedMse(y, c.Expected);
            Assert.True(nmse <= MaxNmse,
                $"{kernels.Name} threads={threads} [{c.Rows}x{c.In}]·[{c.Out}x{c.In}]ᵀ {c.Activation}: NMSE {nmse:E2}");
        }
    }

    public static TheoryData<CpuTier, int, HalfFormat> HalfCaseData()
    {
        var data = new TheoryData<CpuTier, int, HalfFormat>();
        foreach (var tier in KernelSets.Tiers)
            for (int i = 0; i < Shapes.Length; i++)
                data.Add(tier, i, i % 2 == 0 ? HalfFormat.Float16 : HalfFormat.BFloat16);
        return data;
    }

    /// <summary>16-bit weights kept 16-bit by the fast kernels must give what the reference gives on the widened weights.</summary>
    [Theory]
    [MemberData(nameof(HalfCaseData))]
    public void HalfWeightsMatchReference(CpuTier tier, int shapeIndex, HalfFormat format)
    {
        var c = Cases.GetOrAdd(shapeIndex, i => new Lazy<Case>(() => Case.Create(i))).Value;
        var halves = HalfBits.Encode(c.Weight, format);
        var reference = KernelSets.Reference;
        var expected = new float[c.Rows * c.Out];
        reference.Linear(c.X, c.Rows, reference.PrepareLinear(halves, format, c.Bias, c.Out, c.In), expected, c.Activation);
        foreach (int threads in KernelSets.ThreadCounts)
        {
            var kernels = KernelSets.Get(tier, threads);
            var weights = kernels.PrepareLinear(halves, format, c.Bias, c.Out, c.In);
            var y = new float[c.Rows * c.Out];
            Array.Fill(y, float.NaN);
            kernels.Linear(c.X, c.Rows, weights, y, c.Activation);
            double nmse = KernelSets.NormalizedMse(y, expected);
            Assert.True(nmse <= MaxNmse,
                $"{kernels.Name} {format} threads={threads} [{c.Rows}x{c.In}]·[{c.Out}x{c.In}]ᵀ {c.Activation}: NMSE {nmse:E2}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelSets.TierData), MemberType = typeof(KernelSets))]
    public void ZeroRowsWritesNothing(CpuTier tier)
    {
        var kernels = KernelSets.Get(tier, 1);
        var weights = kernels.PrepareLinear(Metrics.Random(12, 1), [], 4, 3);
        kernels.Linear([], 0, weights, [], Activation.None);
    }

    [Fact]
    public void RejectsWeightsFromAnotherKernelSet()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        var foreign = KernelSets.Reference.PrepareLinear(Metrics.Random(6, 1), [], 2, 3);
        Assert.Throws<ArgumentException>(() => kernels.Linear(new float[3], 1, foreign, new float[2], Activation.None));
    }

    [Fact]
    public void RejectsShortBuffers()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        var weights = kernels.PrepareLinear(Metrics.Random(6, 1), [], 2, 3);
        Assert.Throws<ArgumentException>(() => kernels.Linear(new float[5], 2, weights, new float[4], Activation.None));
        Assert.Throws<ArgumentException>(() => kernels.Linear(new float[6], 2, weights, new float[3], Activation.None));
    }

    [Fact]
    public void ConcurrentCallersGetCorrectResults()
    {
        var c = Case.Create(6);
        var kernels = KernelSets.Get(CpuKernels.BestTier, 3);
        var weights = kernels.PrepareLinear(c.Weight, c.Bias, c.Out, c.In);
        Parallel.For(0, 4, _ =>
        {
            var y = new float[c.Rows * c.Out];
            for (int repeat = 0; repeat < 3; repeat++)
            {
                kernels.Linear(c.X, c.Rows, weights, y, c.Activation);
                Assert.True(KernelSets.NormalizedMse(y, c.Expected) <= MaxNmse);
            }
        });
    }

    private sealed record Case(int Rows, int Out, int In, float[] X, float[] Weight, float[] Bias, Activation Activation, float[] Expected)
    {
        public static Case Create(int index)
        {
            var (rows, output, input) = Shapes[index];
            var activation = (Activation)(index % 5);
            var x = Metrics.Random(rows * input, 10 + index);
            var weight = Metrics.Random(output * input, 20 + index, 1f / MathF.Sqrt(input));
            var bias = index % 3 == 2 ? [] : Metrics.Random(output, 30 + index);
            var reference = KernelSets.Reference;
            var expected = new float[rows * output];
            reference.Linear(x, rows, reference.PrepareLinear(weight, bias, output, input), expected, activation);
            return new Case(rows, output, input, x, weight, bias, activation, expected);
        }
    }
}
