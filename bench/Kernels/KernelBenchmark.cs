using BenchmarkDotNet.Attributes;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// Base of the kernel benchmarks: carries the FMA peak loop so every summary holds a peak measured in the same
/// run, which <see cref="FlopsColumn"/> turns into "% of peak".
/// </summary>
[Config(typeof(KernelBenchConfig))]
public abstract class KernelBenchmark
{
    public const int PeakIterations = 1_000_000;

    /// <summary>Independent FMA chains: the machine's FP32 peak for one thread.</summary>
    [Benchmark]
    public float FmaPeakLoop() => FmaPeak.Loop(PeakIterations);

    /// <summary>llm.c-style check before timing: the fast kernel must agree with the reference.</summary>
    protected static void Validate(ReadOnlySpan<float> fast, ReadOnlySpan<float> reference, double maxAbsError, string what)
    {
        double worst = 0;
        for (int i = 0; i < fast.Length; i++) worst = Math.Max(worst, Math.Abs((double)fast[i] - reference[i]));
        if (!(worst <= maxAbsError))
            throw new InvalidOperationException($"{what}: fast kernel differs from the reference by {worst:E2} (> {maxAbsError:E0})");
    }

    protected static float[] Data(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return data;
    }
}
