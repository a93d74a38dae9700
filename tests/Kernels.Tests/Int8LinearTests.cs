using System.Collections.Concurrent;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Cpu.Quantized;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

/// <summary>
/// Int8 linear layers: every tier's GEMM against the int8 reference (same quantized integers, so only float32
/// rounding of the epilogue separates them), and the int8 reference against float32 (the quantization error itself).
/// </summary>
public class Int8LinearTests
{
    /// <summary>Identical integer sums; float32 scaling, bias and activation: ~1e-14. A packing, offset or tiling bug is ≫ 1e-6.</summary>
    private const double MaxNmseToInt8Reference = 1e-10;

    /// <summary>Per-row 8-bit activations and per-channel 8-bit weights on these random data: ~1e-4.</summary>
    private const double MaxNmseToFloat32 = 1e-3;

    // K not a multiple of 4 (the byte groups) or of the depth block, rows around the 6-row tile and across row
    // blocks, columns around the 16/32-column panels, a deep K whose int32 sums get large.
    private static readonly (int Rows, int Out, int In)[] Shapes =
    [
        (1, 1, 1), (1, 17, 3), (3, 63, 17), (7, 65, 63), (13, 31, 130), (63, 127, 65), (65, 129, 127),
        (127, 383, 129), (6, 1000, 384), (1000, 65, 384), (150, 129, 1000), (2, 3, 1000), (300, 33, 513), (25, 100, 3073),
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
    public void MatchesInt8Reference(CpuTier tier, int shapeIndex)
    {
        var c = Cases.GetOrAdd(shapeIndex, i => new Lazy<Case>(() => Case.Create(i))).Value;
        foreach (int threads in KernelSets.ThreadCounts)
        {
            var kernels = KernelSets.Get(tier, threads);
            var weights = kernels.PrepareLinearInt8(c.Weight, c.Bias, c.Out, c.In);
            var y = new float[c.Rows * c.Out];
            Array.Fill(y, float.NaN);
            kernels.Linear(c.X, c.Rows, weights, y, c.Activation);
            double nmse = KernelSets.NormalizedMse(y, c.Expected);
            Assert.True(nmse <= MaxNmseToInt8Reference,
                $"{kernels.Name}/{kernels.Int8Kernel} threads={threads} [{c.Rows}x{c.In}]·[{c.Out}x{c.In}]ᵀ {c.Activation}: NMSE {nmse:E2}");
        }
    }

    public static TheoryData<int> ShapeData()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Shapes.Length; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(ShapeData))]
    public void Int8ReferenceIsCloseToFloat32(int shapeIndex)
    {
        var c = Cases.GetOrAdd(shapeIndex, i => new Lazy<Case>(() => Case.Create(i))).Value;
        var reference = KernelSets.Reference;
        var exact = new float[c.Rows * c.Out];
        reference.Linear(c.X, c.Rows, reference.PrepareLinear(c.Weight, c.Bias, c.Out, c.In), exact, c.Activation);
        double nmse = KernelSets.NormalizedMse(c.Expected, exact);
        Assert.True(nmse <= MaxNmseToFloat32, $"[{c.Rows}x{c.In}]·[{c.Out}x{c.In}]ᵀ {c.Activation}: int8 vs float32 NMSE {nmse:E2}");
        if (c.In > 1) Assert.True(nmse > 0, "int8 gave exactly the float32 result: the quantization did not happen");
    }

    /// <summary>
    /// Integer activations spanning exactly [-100, 155] quantize with scale 1 and zero point 100 to themselves + 100,
    /// and integer weights whose largest magnitude is 127 with scale 1 to themselves, so every tier must return the
    /// exact integer dot products plus bias: catches a wrong zero-point correction or byte-group layout.
    /// </summary>
    [Theory]
    [MemberData(nameof(KernelSets.TierData), MemberType = typeof(KernelSets))]
    public void IntegerInputsGiveExactDots(CpuTier tier)
    {
        const int rows = 7, output = 35, input = 21;
        var random = new Random(5);
        var x = new float[rows * input];
        for (int i = 0; i < x.Length; i++) x[i] = (i % input) switch { 0 => -100, 1 => 155, _ => random.Next(-100, 156) };
        var w = new float[output * input];
        for (int i = 0; i < w.Length; i++) w[i] = i % input == 0 ? (i / input % 2 == 0 ? 127 : -127) : random.Next(-127, 128);
        var bias = Metrics.Random(output, 6);
        var kernels = KernelSets.Get(tier, 1);
        var y = new float[rows * output];
        kernels.Linear(x, rows, kernels.PrepareLinearInt8(w, bias, output, input), y, Activation.None);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < output; o++)
            {
                long dot = 0;
                for (int i = 0; i < input; i++) dot += (long)x[r * input + i] * (long)w[o * input + i];
                Assert.Equal((float)(dot + (double)bias[o]), y[r * output + o]);
            }
    }

    [Theory]
    [MemberData(nameof(KernelSets.TierData), MemberType = typeof(KernelSets))]
    public void ZeroRowsGiveTheBias(CpuTier tier)
    {
        var kernels = KernelSets.Get(tier, 1);
        var bias = Metrics.Random(5, 2);
        var weights = kernels.PrepareLinearInt8(Metrics.Random(5 * 9, 1), bias, 5, 9);
        var y = new float[2 * 5];
        kernels.Linear(new float[2 * 9], 2, weights, y, Activation.None);
        Assert.Equal(bias.Concat(bias), y);
        kernels.Linear([], 0, weights, [], Activation.None);
    }

    public static TheoryData<int> ColumnData() => new(KernelSets.OddColumns);

    /// <summary>The fast row quantizer must produce the bytes the shared definition does, ties included.</summary>
    [Theory]
    [MemberData(nameof(ColumnData))]
    public unsafe void ActivationQuantizerMatchesDefinition(int cols)
    {
        var x = Metrics.Random(cols, cols, 50);
        // A range of exactly 255 (inverse 1, zero point 100) and values on .5: ties must go to even.
        for (int i = 2; i < cols; i += 3) x[i] = (i % 250) - 99.5f;
        x[0] = -100;
        if (cols > 1) x[1] = 155;
        var expected = new byte[cols];
        var (expectedScale, expectedZero) = Int8Quantization.QuantizeActivationRow(x, expected);
        var bytes = new byte[cols + 3];
        float scale;
        int zero;
        fixed (float* px = x)
        fixed (byte* pq = bytes)
            scale = ActivationQuantizer.Row(px, cols, pq, cols + 3, out zero);
        Assert.Equal(expectedScale, scale);
        Assert.Equal(expectedZero, zero);
        for (int i = 0; i < cols; i++) Assert.True(expected[i] == bytes[i], $"column {i}: {x[i]} → {bytes[i]}, expected {expected[i]}");
        Assert.All(bytes[cols..], b => Assert.Equal(zero, b));
    }

    [Fact]
    public void RejectsInt8WeightsFromAnotherKernelSet()
    {
        var kernels = KernelSets.Get(CpuKernels.BestTier, 1);
        var foreign = KernelSets.Reference.PrepareLinearInt8(Metrics.Random(6, 1), [], 2, 3);
        Assert.Throws<ArgumentException>(() => kernels.Linear(new float[3], 1, foreign, new float[2], Activation.None));
    }

    private sealed record Case(int Rows, int Out, int In, float[] X, float[] Weight, float[] Bias, Activation Activation, float[] Expected)
    {
        public static Case Create(int index)
        {
            var (rows, output, input) = Shapes[index];
            var activation = (Activation)(index % 5);
            var x = Metrics.Random(rows * input, 40 + index);
            var weight = Metrics.Random(output * input, 50 + index, 1f / MathF.Sqrt(input));
            var bias = index % 3 == 2 ? [] : Metrics.Random(output, 60 + index);
            var reference = KernelSets.Reference;
            var expected = new float[rows * output];
            reference.Linear(x, rows, reference.PrepareLinearInt8(weight, bias, output, input), expected, activation);
            return new Case(rows, output, input, x, weight, bias, activation, expected);
        }
    }
}
