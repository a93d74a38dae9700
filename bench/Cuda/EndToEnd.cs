using System.Diagnostics;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.Cuda;

/// <summary>End-to-end tokens/s of one model folder on CUDA against the CPU path, same inputs, vectors compared.</summary>
internal static class EndToEnd
{
    public static int Run(string model, int batch, int length)
    {
        var device = GpuDevice.Cuda();
        using var gpu = EmbeddingModel.Load(model, new EmbeddingOptions { Device = device, BatchSize = batch });
        using var cpu = EmbeddingModel.Load(model, new EmbeddingOptions { BatchSize = batch });
        var random = new Random(1);
        int vocab = cpu.Tokenizer.VocabularySize;
        var inputs = Enumerable.Range(0, 4 * batch).Select(_ =>
        {
            var ids = new int[length];
            for (int t = 0; t < length; t++) ids[t] = random.Next(5, vocab);
            return new TokenEncoding(ids, new int[length]);
        }).ToArray();
        long tokens = inputs.Length * (long)length;

        double gpuSeconds = Seconds(() => gpu.Embed(inputs), out var gpuVectors);
        double cpuSeconds = Seconds(() => cpu.Embed(inputs), out var cpuVectors);
        double worstCosine = 1;
        for (int i = 0; i < inputs.Length; i++)
        {
            double dot = 0, a = 0, b = 0;
            for (int c = 0; c < gpuVectors[i].Length; c++)
            {
                dot += gpuVectors[i][c] * cpuVectors[i][c];
                a += gpuVectors[i][c] * gpuVectors[i][c];
                b += cpuVectors[i][c] * cpuVectors[i][c];
            }
            worstCosine = Math.Min(worstCosine, dot / Math.Sqrt(a * b));
        }
        Console.WriteLine($"| {Path.GetFileName(model.TrimEnd('/'))} | {inputs.Length} x {length} | {device.Name} | {tokens / gpuSeconds:F0} tok/s | CPU ({Environment.ProcessorCount} threads) {tokens / cpuSeconds:F0} tok/s | x{cpuSeconds / gpuSeconds:F1} | min cosine {worstCosine:F6} |");
        return worstCosine >= 0.99999 ? 0 : 1;
    }

    private static double Seconds(Func<float[][]> run, out float[][] result)
    {
        run(); // warm-up: kernel compilation, buffer growth
        var clock = Stopwatch.StartNew();
        result = run();
        return clock.Elapsed.TotalSeconds;
    }
}
