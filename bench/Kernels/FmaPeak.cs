using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// Measures the FP32 FMA throughput of one core: 12 independent accumulator chains (more than latency × pipes
/// on current x64 cores), so the loop is bound by FMA issue rate alone.
/// </summary>
public static class FmaPeak
{
    private const int Chains = 12;

    /// <summary>Floating-point operations (2 per lane per FMA) done by one call of <see cref="Loop"/>.</summary>
    public static long FlopsPerLoop(int iterations) =>
        2L * Chains * iterations * (Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count);

    /// <summary>Runs <paramref name="iterations"/> rounds of 12 FMAs at the widest accelerated width.</summary>
    public static float Loop(int iterations) => Vector512.IsHardwareAccelerated ? Loop512(iterations) : Loop256(iterations);

    /// <summary>Best GFLOP/s of one thread over a few timed rounds of about <paramref name="seconds"/> in total.</summary>
    public static double MeasureGflops(double seconds = 0.5)
    {
        const int iterations = 100_000;
        Loop(iterations / 100);
        double best = 0;
        var total = Stopwatch.StartNew();
        do
        {
            var watch = Stopwatch.StartNew();
            Loop(iterations);
            best = Math.Max(best, FlopsPerLoop(iterations) / watch.Elapsed.TotalSeconds / 1e9);
        }
        while (total.Elapsed.TotalSeconds < seconds);
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop256(int iterations)
    {
        var m = Vector256.Create(0.9999f);
        var c = Vector256.Create(1e-4f);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c);
            a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c);
            a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Loop512(int iterations)
    {
        var m = Vector512.Create(0.9999f);
        var c = Vector512.Create(1e-4f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c);
            a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c);
            a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c);
            a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c);
            a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c);
            a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c);
            a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
