using System.Diagnostics;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Rerank;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;
using Xunit.Abstractions;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// Models loaded through one <see cref="GpuDevice"/> share its accelerator and compiled kernels (an embedder and a
/// reranker here, as an app or a server loads them), run concurrently from two threads with their batches
/// interleaved, and outlive each other and the device in any disposal order. Its own device: the kernel count
/// starts from zero.
/// </summary>
public class SharingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ModelsOnOneDeviceShareTheAcceleratorRunConcurrentlyAndOutliveEachOther()
    {
        var device = GpuDevice.CpuSimulator();
        var embedderLog = new LoggingDevice(device);
        var rerankerLog = new LoggingDevice(device);
        var clock = Stopwatch.StartNew();
        var embedder = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"),
            new EmbeddingOptions { Device = embedderLog, Pooling = PoolingMode.Mean, Normalize = false, Threads = 1, BatchSize = 2 });
        var texts = Enumerable.Range(0, 4).Select(i => new TokenEncoding([101, .. Enumerable.Range(2000 + i, 1 + i % 4), 102], new int[3 + i % 4])).ToArray();
        var vectorsAlone = embedder.Embed(texts); // compiles the kernels the first batch needs
        var firstModel = clock.Elapsed;
        int compiled = device.CompiledKernels;
        Assert.True(compiled > 0);

        clock.Restart();
        var reranker = CrossEncoder.Load(Fixtures.Model("xlmr-tiny-reranker"), new EmbeddingOptions { Device = rerankerLog, Threads = 1, BatchSize = 2 });
        var pairs = Enumerable.Range(0, 4).Select(i => reranker.Tokenizer.Encode($"query {i}", string.Join(' ', Enumerable.Repeat("passage", 1 + i % 3)), 32)).ToArray();
        var logitsAlone = reranker.Logits(pairs);
        var secondModel = clock.Elapsed;
        // Both F32 models: every kernel the reranker needs was compiled for the embedder, once, on the one accelerator.
        Assert.Equal(compiled, device.CompiledKernels);
        Assert.Same(embedderLog.Loaded.Kernels, rerankerLog.Loaded.Kernels);
        Assert.NotSame(embedderLog.Loaded.Stream, rerankerLog.Loaded.Stream);
        output.WriteLine($"first model load + first run {firstModel.TotalSeconds:F2} s (accelerator, {compiled} kernels compiled); " +
            $"second {secondModel.TotalSeconds:F2} s: x{secondModel / firstModel:F2}");

        // Both from two threads at once, each holding its first wait until the other has submitted its first batch:
        // both models have a batch in flight on the one accelerator at the same time.
        using var embedderStarted = new ManualResetEventSlim();
        using var rerankerStarted = new ManualResetEventSlim();
        embedderLog.BeforeWait = batch => Gate(batch, embedderStarted, rerankerStarted);
        rerankerLog.BeforeWait = batch => Gate(batch, rerankerStarted, embedderStarted);
        var embedding = Task.Run(() => embedder.Embed(texts));
        var scoring = Task.Run(() => reranker.Logits(pairs));
        await Task.WhenAll(embedding, scoring).WaitAsync(TimeSpan.FromMinutes(2));
        var (vectors, logits) = (await embedding, await scoring);
        for (int i = 0; i < texts.Length; i++) Assert.Equal(vectorsAlone[i], vectors[i]); // bit for bit
        Assert.Equal(logitsAlone, logits);
        embedderLog.BeforeWait = rerankerLog.BeforeWait = null;

        // Disposal in any order: the reranker outlives the embedder and the device; the accelerator outlives all three.
        var shared = device.Shared;
        embedder.Dispose();
        device.Dispose();
        Assert.Throws<ObjectDisposedException>(() => EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { Device = device }));
        Assert.False(shared.IsFreed);
        Assert.Equal(logitsAlone, reranker.Logits(pairs));
        reranker.Dispose();
        Assert.True(shared.IsFreed);
        Assert.True(shared.Accelerator.IsDisposed);
    }

    /// <summary>Before waiting for batch 0 (submitted): marks this model started and waits until the other one is too.</summary>
    private static void Gate(int batch, ManualResetEventSlim mine, ManualResetEventSlim other)
    {
        if (batch != 0) return;
        mine.Set();
        Assert.True(other.Wait(TimeSpan.FromMinutes(1)), "the other model never submitted");
    }
}
