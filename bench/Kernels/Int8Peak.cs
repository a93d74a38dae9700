using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// Measures the int8 dot-product throughput of one core as <see cref="FmaPeak"/> does for FP32: 12 independent
/// vpdpbusd chains at 256 bits (AVX-VNNI, the widest VNNI form .NET exposes), each instruction 4 multiply-adds
/// per 32-bit lane. Reported as GOP/s counting a multiply-add as 2 operations, like FLOPs.
/// </summary>
public static class Int8Peak
{
    private const int Chains = 12;

    public static bool IsSupported => AvxVnni.IsSupported;

    /// <summary>Best GOP/s of one thread over a few timed rounds of about <paramref name="seconds"/> in total.</summary>
    public static double MeasureGops(double seconds = 0.5)
    {
        const int iterations = 100_000;
        Loop(iterations / 100);
        double best = 0;
        var total = Stopwatch.StartNew();
        do
        {
            var watch = Stopwatch.StartNew();
            Loop(iterations);
            best = Math.Max(best, 2.0 * 4 * Vector256<int>.Count * Chains * iterations / watch.Elapsed.TotalSeconds / 1e9);
        }
        while (total.Elapsed.TotalSeconds < seconds);
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Loop(int iterations)
    {
        var a = Vector256.Create((byte)3);
        var b = Vector256.Create((sbyte)-2);
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<int> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int i = 0; i < iterations; i++)
        {
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, a, b);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, a, b);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, a, b);
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, a, b);
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, a, b);
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, a, b);
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, a, b);
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, a, b);
            c8 = AvxVnni.MultiplyWideningAndAdd(c8, a, b);
            c9 = AvxVnni.MultiplyWideningAndAdd(c9, a, b);
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, a, b);
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, a, b);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
