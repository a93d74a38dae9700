using System.Diagnostics;
using EmbedRt.Kernels;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Kernels.Reference;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Bench.Cuda;

/// <summary>
/// The GPU side of the kernel lab (llm.c style): every kernel checked against the reference at real, odd shapes,
/// then timed at bge-small and bert-base shapes (batch 32 × 128 tokens) with TFLOP/s or GB/s and % of peak,
/// the GEMMs also through cuBLAS as the yardstick.
/// </summary>
internal static class KernelLab
{
    private static readonly ReferenceKernels Reference = new();

    private static (Context Context, Accelerator Accelerator, DeviceKernels Kernels) Open()
    {
        var device = GpuDevice.Cuda(); // throws naming what is missing
        var context = GpuDevice.CreateContext(simulator: false);
        var accelerator = context.GetCudaDevice(0).CreateAccelerator(context);
        Console.WriteLine($"device: {device.Name}");
        return (context, accelerator, new DeviceKernels(accelerator));
    }

    public static int Check()
    {
        var (context, accelerator, kernels) = Open();
        using var _ = context;
        using var __ = accelerator;
        int failures = 0;
        void Report(string op, double error, double limit)
        {
            bool ok = error <= limit && !double.IsNaN(error);
            failures += ok ? 0 : 1;
            Console.WriteLine($"{(ok ? "PASS" : "FAIL")} {op,-44} max abs error {error:E2} (limit {limit:E0})");
        }

        foreach (var (rows, outF, inF, act) in new[] { (77, 1152, 384, Activation.None), (130, 3072, 768, Activation.GeluErf), (33, 768, 3072, Activation.None), (5, 17, 13, Activation.Tanh) })
        {
            var x = Random(rows * inF, 1);
            var w = Random(outF * inF, 2, 1f / MathF.Sqrt(inF));
            var b = Random(outF, 3);
            var expected = new float[rows * outF];
            Reference.Linear(x, rows, Reference.PrepareLinear(w, b, outF, inF), expected, act);
            using var dw = new DeviceLinear(accelerator, w, b, outF, inF);
            Report($"linear f32 {rows}x{outF}x{inF} {act}", Error(RunLinear(accelerator, kernels, x, rows, dw, act), expected), 1e-4);
            var halves = w.Select(v => BitConverter.HalfToUInt16Bits((System.Half)v)).ToArray();
            Reference.Linear(x, rows, Reference.PrepareLinear(halves, HalfFormat.Float16, b, outF, inF), expected, act);
            using var dh = new DeviceLinear(accelerator, halves, HalfFormat.Float16, b, outF, inF);
            Report($"linear f16 {rows}x{outF}x{inF} {act}", Error(RunLinear(accelerator, kernels, x, rows, dh, act), expected), 1e-4);
        }

        foreach (var (rows, cols) in new[] { (77, 384), (130, 768), (9, 1023) })
        {
            var x = Random(rows * cols, 4, 3f);
            var r = Random(rows * cols, 5);
            var g = Random(cols, 6);
            var be = Random(cols, 7);
            var expected = new float[rows * cols];
            Reference.AddLayerNorm(x, r, g, be, 1e-12f, rows, cols, expected);
            using var dx = Upload(accelerator, x);
            using var dr = Upload(accelerator, r);
            using var dg = Upload(accelerator, g);
            using var db = Upload(accelerator, be);
            kernels.AddLayerNorm(dx.View.BaseView, dr.View.BaseView, dg.View.BaseView, db.View.BaseView, 1e-12f, rows, cols, dr.View.BaseView);
            Report($"add-layernorm {rows}x{cols}", Error(Download(dr, rows * cols), expected), 1e-4);
        }

        foreach (var (heads, headDim, lengths) in new[] { (12, 32, new[] { 1, 37, 128, 300 }), (16, 64, new[] { 513, 2, 64 }) })
        {
            int hidden = heads * headDim, tokens = lengths.Sum();
            var offsets = new int[lengths.Length + 1];
            for (int s = 0; s < lengths.Length; s++) offsets[s + 1] = offsets[s] + lengths[s];
            var qkv = Random(tokens * 3 * hidden, 8, 2f);
            var expected = new float[tokens * hidden];
            Reference.Attention(qkv, offsets, heads, headDim, expected);
            using var batch = new DeviceBatch(accelerator, kernels.QueryTileRows);
            batch.Upload(new int[tokens], new int[tokens], new int[tokens], offsets);
            using var dq = Upload(accelerator, qkv);
            using var dc = accelerator.Allocate1D<float>(tokens * hidden);
            kernels.Attention(dq.View.BaseView, batch, heads, headDim, dc.View.BaseView);
            Report($"attention {heads}x{headDim} lengths {string.Join(',', lengths)}", Error(Download(dc, tokens * hidden), expected), 1e-4);
        }
        Console.WriteLine(failures == 0 ? "all kernels match the reference" : $"{failures} kernel checks failed");
        return failures == 0 ? 0 : 1;
    }

    public static int Time(double? peakTflops)
    {
        var (context, accelerator, kernels) = Open();
        using var _ = context;
        using var __ = accelerator;
        double peak = peakTflops ?? PeakFp32(accelerator.Name);
        Console.WriteLine($"FP32 peak assumed: {peak} TFLOP/s (pass --peak-tflops to override)");
        CuBlas? blas = null;
        try { blas = new CuBlas((CudaAccelerator)accelerator); }
        catch (Exception e) { Console.WriteLine($"cuBLAS not available ({e.GetType().Name}: {e.Message}); own kernels only"); }

        Console.WriteLine("| model | op | shape | ms | TFLOP/s | % FP32 peak | cuBLAS ms | cuBLAS TFLOP/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (model, hidden, inner, heads) in new[] { ("bge-small", 384, 1536, 12), ("bert-base", 768, 3072, 12) })
        {
            const int sequences = 32, length = 128, tokens = sequences * length;
            foreach (var (op, outF, inF, act) in new[] { ("qkv", 3 * hidden, hidden, Activation.None), ("attn-out", hidden, hidden, Activation.None), ("intermediate+gelu", inner, hidden, Activation.GeluErf), ("output", hidden, inner, Activation.None) })
            {
                using var w = new DeviceLinear(accelerator, Random(outF * inF, 1, 0.05f), Random(outF, 2), outF, inF);
                using var x = Upload(accelerator, Random(tokens * inF, 3));
                using var y = accelerator.Allocate1D<float>((long)tokens * outF);
                double ms = Measure(accelerator, () => kernels.Linear(x.View.BaseView, tokens, w, y.View.BaseView, act));
                double flops = 2.0 * tokens * outF * inF;
                string blasCells = "n/a | n/a";
                if (blas is not null)
                {
                    double blasMs = Measure(accelerator, () => blas.Gemm(CuBlasOperation.Transpose, CuBlasOperation.NonTranspose, outF, tokens, inF,
                        1f, w.Floats, inF, x.View.BaseView, inF, 0f, y.View.BaseView, outF));
                    blasCells = $"{blasMs:F3} | {flops / blasMs / 1e9:F1}";
                }
                Console.WriteLine($"| {model} | {op} | {tokens}x{outF}x{inF} | {ms:F3} | {flops / ms / 1e9:F1} | {100 * flops / ms / 1e9 / peak:F0} % | {blasCells} |");
            }

            var offsets = Enumerable.Range(0, sequences + 1).Select(s => s * length).ToArray();
            using var batch = new DeviceBatch(accelerator, kernels.QueryTileRows);
            batch.Upload(new int[tokens], Enumerable.Range(0, tokens).Select(t => t % length).ToArray(), new int[tokens], offsets);
            using var qkv = Upload(accelerator, Random(tokens * 3 * hidden, 4));
            using var ctx = accelerator.Allocate1D<float>((long)tokens * hidden);
            double attentionMs = Measure(accelerator, () => kernels.Attention(qkv.View.BaseView, batch, heads, hidden / heads, ctx.View.BaseView));
            double attentionFlops = 4.0 * sequences * length * length * hidden;
            Console.WriteLine($"| {model} | attention | {sequences}x{length}, {heads} heads | {attentionMs:F3} | {attentionFlops / attentionMs / 1e9:F1} | {100 * attentionFlops / attentionMs / 1e9 / peak:F0} % | | |");

            using var gamma = Upload(accelerator, Random(hidden, 5));
            using var beta = Upload(accelerator, Random(hidden, 6));
            double lnMs = Measure(accelerator, () => kernels.AddLayerNorm(ctx.View.BaseView, qkv.View.BaseView, gamma.View.BaseView, beta.View.BaseView, 1e-12f, tokens, hidden, qkv.View.BaseView));
            double lnBytes = 3.0 * tokens * hidden * 4;
            Console.WriteLine($"| {model} | add-layernorm | {tokens}x{hidden} | {lnMs:F3} | {lnBytes / lnMs / 1e6:F0} GB/s | | | |");
        }
        blas?.Dispose();
        return 0;
    }

    /// <summary>Dense FP32 (non-tensor-core) peaks from the vendors' data sheets; anything else needs --peak-tflops.</summary>
    private static double PeakFp32(string name) => name switch
    {
        _ when name.Contains("H200") || name.Contains("H100") && name.Contains("SXM") || name.Contains("H100 80GB HBM3") => 66.9,
        _ when name.Contains("H100") => 51.2,
        _ when name.Contains("A100") => 19.5,
        _ when name.Contains("L4") => 30.3,
        _ when name.Contains("A10") => 31.2,
        _ => double.NaN,
    };

    private static double Measure(Accelerator accelerator, Action launch)
    {
        for (int i = 0; i < 3; i++) launch();
        accelerator.Synchronize();
        const int reps = 20;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) launch();
        accelerator.Synchronize();
        return clock.Elapsed.TotalMilliseconds / reps;
    }

    private static float[] RunLinear(Accelerator accelerator, DeviceKernels kernels, float[] x, int rows, DeviceLinear w, Activation act)
    {
        using var dx = Upload(accelerator, x);
        using var y = accelerator.Allocate1D<float>((long)rows * w.OutFeatures);
        kernels.Linear(dx.View.BaseView, rows, w, y.View.BaseView, act);
        return Download(y, rows * w.OutFeatures);
    }

    private static MemoryBuffer1D<float, Stride1D.Dense> Upload(Accelerator accelerator, float[] values)
    {
        var buffer = accelerator.Allocate1D<float>((values.Length + 3) / 4 * 4);
        buffer.MemSetToZero();
        buffer.View.BaseView.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }

    private static float[] Download(MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
    {
        var values = new float[length];
        buffer.View.BaseView.SubView(0, length).CopyToCPU(values);
        return values;
    }

    private static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new System.Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    private static double Error(float[] actual, float[] expected)
    {
        double worst = 0;
        for (int i = 0; i < actual.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        return worst;
    }
}
