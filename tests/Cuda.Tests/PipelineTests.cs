using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Kernels;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// The double-buffered device pipeline on ILGPU's CPU simulator: the same vectors as the sequential walk over
/// many batches of mixed lengths, and, read from a log of the device calls (not from timing), batch n + 1
/// staged before batch n is waited for.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class PipelineTests
{
    [Fact]
    public void OverlappedBatchesGiveTheSequentialVectorsAndStageAheadOfTheWait()
    {
        const string model = "bert-tiny-zh";
        var overlapped = new LoggingDevice(Simulator.Device);
        var sequential = new LoggingDevice(Simulator.Device, overlap: false);
        // Batches of 2 (of ≤ 16 tokens: one GEMM row tile on the simulator, which costs ~10⁴× native): the pipeline turns over several times.
        var options = new EmbeddingOptions { Pooling = PoolingMode.Mean, Normalize = false, Threads = 1, BatchSize = 2 };
        using var overlappedModel = EmbeddingModel.Load(Fixtures.Model(model), options with { Device = overlapped });
        using var sequentialModel = EmbeddingModel.Load(Fixtures.Model(model), options with { Device = sequential });
        var random = new Random(7);
        var encodings = Enumerable.Range(0, 8).Select(i =>
        {
            var ids = Enumerable.Range(0, 2 + (i * 5 + 3) % 7).Select(_ => random.Next(100, overlappedModel.Tokenizer.VocabularySize)).ToArray();
            return new TokenEncoding(ids, new int[ids.Length]); // lengths 2..8, mixed
        }).ToArray();
        var actual = overlappedModel.Embed(encodings);
        var expected = sequentialModel.Embed(encodings);
        for (int i = 0; i < encodings.Length; i++) Assert.Equal(expected[i], actual[i]); // bit for bit: rows never mix

        int batches = (encodings.Length + 1) / 2;
        Assert.True(batches >= 4, $"only {batches} batches");
        Assert.Equal(batches, overlapped.Count("stage"));
        for (int n = 0; n + 1 < batches; n++)
            Assert.True(overlapped.IndexOf("stage", n + 1) < overlapped.IndexOf("wait", n),
                $"batch {n + 1} must be staged before batch {n} is waited for: {string.Join(", ", overlapped.Log)}");
        // The sequential walk waits for each batch before staging the next: the check above can fail.
        Assert.True(sequential.IndexOf("stage", 1) > sequential.IndexOf("wait", 0), string.Join(", ", sequential.Log));
        // ILGPU's CPU accelerator page-locks with mlock: expected wherever the memlock limit leaves room (8 MiB here).
        if (MemlockLimitBytes() >= 1 << 20) Assert.True(overlapped.PageLocked, $"staging fell back to ordinary arrays: {overlapped.LockFailure}");

        // Texts beyond 4 batches' worth are tokenized a chunk ahead while the device runs the chunk before.
        var texts = Enumerable.Range(0, 10).Select(i => string.Join(' ', Enumerable.Repeat(i % 2 == 0 ? "你" : "ok", 1 + i % 4))).ToArray();
        int staged = overlapped.Count("stage");
        var textVectors = overlappedModel.Embed(texts);
        Assert.Equal(5, overlapped.Count("stage") - staged);
        // Chunks of 8 and 2 texts (4 + 1 batches) flow through one pipeline: no drain at the chunk boundary either.
        for (int n = staged; n + 1 < staged + 5; n++)
            Assert.True(overlapped.IndexOf("stage", n + 1) < overlapped.IndexOf("wait", n), string.Join(", ", overlapped.Log));
        // Each chunk's vectors land at its inputs (against the CPU path: the simulator is too slow for a second device run).
        using var cpuModel = EmbeddingModel.Load(Fixtures.Model(model), options);
        var textExpected = cpuModel.Embed(texts);
        for (int i = 0; i < texts.Length; i++) Assert.True(Metrics.MaxAbsError(textVectors[i], textExpected[i]) <= 1e-4, $"text {i}");
    }

    [Fact]
    public void SeveralHeadsInOneBatchAndAMultiLabelClassifierMatchHostMath()
    {
        // Driven through IDeviceEncoder directly: the hidden state and a 3-label classifier (CLS → dense + tanh →
        // out) from one submit, the classifier checked against double-precision math on the returned hidden state.
        var logged = new LoggingDevice(Simulator.Device);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-zh"), new EmbeddingOptions { Device = logged, Threads = 1 });
        var device = logged.Loaded;
        int h = model.Dimension, labels = 3;
        var random = new Random(3);
        float[] Weights(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var (w1, b1, w2, b2) = (Weights(h * h), Weights(h), Weights(labels * h), Weights(labels));
        var hiddenHead = device.LoadHead(new DeviceHeadSpec(HeadInput.AllTokens, []));
        var classifier = device.LoadHead(new DeviceHeadSpec(HeadInput.FirstToken,
            [new HeadLayer(w1, b1, h, h, Activation.Tanh), new HeadLayer(w2, b2, labels, h, Activation.None)]));
        Assert.Equal(labels, classifier.OutFeatures);
        Assert.Throws<ArgumentException>(() => device.LoadHead(new DeviceHeadSpec(HeadInput.AllTokens, [], Normalize: true)));
        Assert.Throws<ArgumentException>(() => device.LoadHead(new DeviceHeadSpec(HeadInput.FirstToken, [new HeadLayer(w2, b2, labels, h, Activation.None), new HeadLayer(w2, b2, labels, h, Activation.None)])));

        int[][] sequences = [[101, 2000, 2001, 102], [101, 3000, 102], [101, 4000, 4001, 4002, 4003, 102]];
        var batch = new PackedBatch();
        batch.Pack(sequences.Select(ids => new TokenEncoding(ids, new int[ids.Length])).ToArray(), [0, 1, 2]);
        var positions = sequences.SelectMany(ids => Enumerable.Range(0, ids.Length)).ToArray(); // BERT: 0.. per sequence
        device.Stage(0, batch, positions, []);
        device.Submit(0, [hiddenHead, classifier]);
        device.Wait(0);
        var hidden = device.Output(0, 0).ToArray();
        var logits = device.Output(0, 1).ToArray();
        Assert.Equal(batch.TokenCount * h, hidden.Length);
        Assert.Equal(sequences.Length * labels, logits.Length);
        for (int s = 0; s < sequences.Length; s++)
        {
            var cls = hidden.AsSpan(batch.Offsets[s] * h, h).ToArray();
            var pooled = Enumerable.Range(0, h).Select(o => Math.Tanh(b1[o] + Enumerable.Range(0, h).Sum(i => (double)w1[o * h + i] * cls[i]))).ToArray();
            for (int l = 0; l < labels; l++)
            {
                double expected = b2[l] + Enumerable.Range(0, h).Sum(i => w2[l * h + i] * pooled[i]);
                Assert.True(Math.Abs(expected - logits[s * labels + l]) <= 1e-5, $"sequence {s} label {l}: {logits[s * labels + l]} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HostBuffersCopyBothWaysAndCountTheBytes(bool pageLock)
    {
        var transfers = new DeviceTransfers();
        using var host = new HostBuffer<float>(Simulator.Accelerator, transfers, pageLock);
        host.EnsureCapacity(10);
        Assert.Equal(pageLock && MemlockLimitBytes() >= 1 << 20, host.PageLocked);
        for (int i = 0; i < 10; i++) host.Span[i] = i + 0.5f;
        using var device = Simulator.Accelerator.Allocate1D<float>(16);
        var stream = Simulator.Accelerator.DefaultStream;
        host.CopyTo(stream, device.View, 10);
        host.Span.Clear();
        host.CopyFrom(stream, device.View.SubView(2, 5), 3);
        stream.Synchronize();
        Assert.Equal([0, 0, 0, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 0, 0], host.Span[..10].ToArray());
        Assert.Equal(40, transfers.HostToDeviceBytes);
        Assert.Equal(20, transfers.DeviceToHostBytes);
        Assert.Equal(1, transfers.DeviceToHostCopies);
    }

    /// <summary>RLIMIT_MEMLOCK from /proc/self/limits (long.MaxValue for unlimited, 0 where unknown).</summary>
    private static long MemlockLimitBytes()
    {
        var line = File.Exists("/proc/self/limits") ? File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max locked memory")) : null;
        var soft = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        return soft == "unlimited" ? long.MaxValue : long.TryParse(soft, out long bytes) ? bytes : 0;
    }
}
