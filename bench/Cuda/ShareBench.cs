using System.Diagnostics;
using EmbedRt.Kernels.Cuda;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Bench.Cuda;

/// <summary>
/// Two models through one <see cref="GpuDevice"/>: the first load pays for the CUDA context and the kernel
/// compiles, the second only for its weights (load time and device memory of each); then both run alone and
/// concurrently from two threads (each on its own stream), outputs compared bit for bit with the runs alone.
/// </summary>
internal static class ShareBench
{
    public static int Run(string first, string second, int batch, int length, bool simulator)
    {
        using var device = simulator ? GpuDevice.CpuSimulator() : GpuDevice.Cuda();
        var options = new EmbeddingOptions { Device = device, BatchSize = batch };
        var (a, firstSeconds) = Timed(() => EmbeddingModel.Load(first, options));
        using var _ = a;
        long afterFirst = FreeBytes(device);
        var (b, secondSeconds) = Timed(() => EmbeddingModel.Load(second, options));
        using var __ = b;
        long afterSecond = FreeBytes(device);
        int count = simulator ? 4 : 8 * batch, longest = simulator ? 8 : length;
        var inputsA = PipelineBench.MixedInputs(a.Tokenizer.VocabularySize, count, longest, seed: 1);
        var inputsB = PipelineBench.MixedInputs(b.Tokenizer.VocabularySize, count, longest, seed: 2);
        var aloneA = a.Embed(inputsA); // also the warm-up (16-bit kernels compile on first use)
        var aloneB = b.Embed(inputsB);
        var (_, sequential) = Timed(() => (a.Embed(inputsA), b.Embed(inputsB)));
        var ((togetherA, togetherB), concurrent) = Timed(() =>
        {
            var runA = Task.Run(() => a.Embed(inputsA));
            var runB = Task.Run(() => b.Embed(inputsB));
            return (runA.GetAwaiter().GetResult(), runB.GetAwaiter().GetResult());
        });
        bool identical = Same(aloneA, togetherA) && Same(aloneB, togetherB);
        long tokens = inputsA.Sum(e => (long)e.Ids.Length) + inputsB.Sum(e => (long)e.Ids.Length);
        string memory = afterFirst < 0 ? "n/a" : $"{(afterFirst - afterSecond) / 1e6:F0} MB for the second (free after first {afterFirst / 1e6:F0} MB)";
        Console.WriteLine($"| {Name(first)} + {Name(second)} | load {firstSeconds:F2} s then {secondSeconds:F2} s (x{secondSeconds / firstSeconds:F2}) | " +
            $"{memory} | {device.CompiledKernels} kernels compiled | alone one after the other {tokens / sequential:F0} tok/s, " +
            $"concurrently {tokens / concurrent:F0} tok/s (x{sequential / concurrent:F2}) | {(identical ? "identical" : "DIFFERENT")} |");
        return identical ? 0 : 1;
    }

    /// <summary>Free device memory in bytes (CUDA), or -1 on the simulator.</summary>
    private static long FreeBytes(GpuDevice device) =>
        device.Shared.Accelerator is CudaAccelerator cuda ? cuda.GetFreeMemory() : -1;

    private static bool Same(float[][] x, float[][] y) => x.Zip(y).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second));

    private static (T Result, double Seconds) Timed<T>(Func<T> run)
    {
        var clock = Stopwatch.StartNew();
        var result = run();
        return (result, clock.Elapsed.TotalSeconds);
    }

    private static string Name(string model) => Path.GetFileName(model.TrimEnd('/'));
}
