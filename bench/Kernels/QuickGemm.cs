using System.Diagnostics;
using EmbedRt.Kernels.Cpu;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// A short Stopwatch measurement of GEMM efficiency for tuning: each shape runs for a fraction of a second per
/// thread count and is reported as GFLOP/s and as a share of the FMA peak measured in the same process
/// (peak × threads for multi-threaded runs). Usage: quick-gemm [seconds-per-case] [tier] [Float16|BFloat16|Int8]
/// (the last: weights kept 16-bit, widened inside the GEMM; or int8 compute, reported as GOP/s against the
/// vpdpbusd peak, <see cref="Int8Peak"/>).
/// </summary>
public static class QuickGemm
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (128, 384, 384), (512, 768, 768), (512, 3072, 768), (512, 768, 3072), (2048, 1024, 1024), (4096, 384, 1536),
    ];

    public static void Run(string[] args)
    {
        double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.5;
        CpuTier tier = args.Length > 2 ? Enum.Parse<CpuTier>(args[2]) : CpuKernels.BestTier;
        bool int8 = args.Length > 3 && args[3] == "Int8";
        HalfFormat? half = args.Length > 3 && !int8 ? Enum.Parse<HalfFormat>(args[3]) : null;
        Console.WriteLine(int8
            ? $"tier {tier}; peak = best vpdpbusd-loop GOP/s of one thread, measured between GEMM runs"
            : $"tier {tier}; peak = best FMA-loop GFLOP/s of one thread, measured between GEMM runs");
        foreach (var threads in new[] { 1, 2 })
        {
            using var kernels = new CpuKernels(threads, tier);
            foreach (var (m, n, k) in Shapes)
            {
                var x = Data(m * k, 1);
                var weights = int8 ? kernels.PrepareLinearInt8(Data(n * k, 2), Data(n, 3), n, k)
                    : half is { } format
                    ? kernels.PrepareLinear(Data(n * k, 2).Select(v => BitConverter.HalfToUInt16Bits((Half)v)).ToArray(), format, Data(n, 3), n, k)
                    : kernels.PrepareLinear(Data(n * k, 2), Data(n, 3), n, k);
                var y = new float[m * n];
                kernels.Linear(x, m, weights, y, Activation.None);
                // Interleave short peak loops with GEMM runs and keep the best of each: on a shared machine both
                // bests then come from the quiet moments.
                double best = double.MaxValue, peak = 0;
                var total = Stopwatch.StartNew();
                int runs = 0;
                while (total.Elapsed.TotalSeconds < seconds || runs < 3)
                {
                    var watch = Stopwatch.StartNew();
                    kernels.Linear(x, m, weights, y, Activation.None);
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                    peak = Math.Max(peak, int8 && Int8Peak.IsSupported ? Int8Peak.MeasureGops(0.002) : FmaPeak.MeasureGflops(0.002));
                    runs++;
                }
                double gflops = 2.0 * m * n * k / best / 1e9;
                string label = int8 ? $" int8 ({kernels.Int8Kernel})" : half is null ? "" : " " + half;
                Console.WriteLine($"{kernels.Name}{label} threads={threads} M={m,4} N={n,4} K={k,4}: {gflops,6:F1} GFLOP/s = {100 * gflops / (peak * threads),5:F1}% of peak {peak:F1} ({runs} runs)");
            }
        }
    }

    private static float[] Data(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        return data;
    }
}
