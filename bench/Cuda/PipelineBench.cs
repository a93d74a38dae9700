using System.Diagnostics;
using EmbedRt.Kernels.Cuda;
using EmbedRt.M3;
using EmbedRt.Rerank;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.Cuda;

/// <summary>
/// What the device pipeline buys, end to end: batch n + 1 prepared while n runs against the sequential walk
/// (same model, same mixed-length inputs, timed ABBA in one process), and the heads run on the device
/// (BGE-M3 dense + sparse + ColBERT, a reranker) with the bytes they copy back against the whole hidden state
/// the previous design copied. --sim runs it all on ILGPU's CPU simulator (tiny inputs: to check the bench, not to time it).
/// </summary>
internal static class PipelineBench
{
    /// <summary>
    /// Pipelined vs sequential tokens/s of an embedding model on mixed lengths, vectors compared bit for bit: token ids
    /// (batch n + 1 staged while n runs) and texts (also tokenized a chunk ahead, against tokenizing all first).
    /// </summary>
    public static int Overlap(string model, int batch, int length, bool simulator)
    {
        // One device, one context: the setting is read at each load.
        using var device = Device(simulator, overlap: true);
        using var a = EmbeddingModel.Load(model, new EmbeddingOptions { Device = device, BatchSize = batch });
        device.OverlapBatches = false;
        using var b = EmbeddingModel.Load(model, new EmbeddingOptions { Device = device, BatchSize = batch });
        int count = simulator ? 6 : 8 * batch, longest = simulator ? 12 : length;
        var inputs = MixedInputs(a.Tokenizer.VocabularySize, count, longest, seed: 1);
        var texts = MixedTexts(count, longest / 2, seed: 4);
        int rounds = simulator ? 1 : 3;

        bool Compare(string what, long tokens, Func<EmbeddingModel, float[][]> run)
        {
            long down = device.Transfers.DeviceToHostBytes, up = device.Transfers.HostToDeviceBytes;
            bool identical = run(a).Zip(run(b)).All(pair => pair.First.AsSpan().SequenceEqual(pair.Second)); // warm-up and the check
            double seqSeconds = 0, pipeSeconds = 0;
            for (int r = 0; r < rounds; r++) // ABBA: drift on a shared machine hits both alike
            {
                pipeSeconds += Seconds(() => run(a));
                seqSeconds += Seconds(() => run(b));
                seqSeconds += Seconds(() => run(b));
                pipeSeconds += Seconds(() => run(a));
            }
            double through = 2 * (2 * rounds + 1) * (double)tokens; // tokens through both models (one device's counters): warm-up + timed runs
            Console.WriteLine($"| {Name(model)} | {what}: {count} inputs, {tokens} tokens | {2 * rounds * tokens / seqSeconds:F0} tok/s | " +
                $"{2 * rounds * tokens / pipeSeconds:F0} tok/s | x{seqSeconds / pipeSeconds:F2} | {(identical ? "identical" : "DIFFERENT")} | " +
                $"{(device.Transfers.HostToDeviceBytes - up) / through:F1} B up, {(device.Transfers.DeviceToHostBytes - down) / through:F1} B back per token |");
            return identical;
        }
        bool ids = Compare($"token ids 2..{longest}", inputs.Sum(e => (long)e.Ids.Length), model => model.Embed(inputs));
        bool words = Compare("texts", a.CountTokens(texts), model => model.Embed(texts));
        return ids && words ? 0 : 1;
    }

    /// <summary>BGE-M3's three heads on the device: tokens/s, bytes back per token against the hidden state, outputs against the CPU.</summary>
    public static int M3(string model, int batch, int length, bool simulator)
    {
        using var device = Device(simulator, overlap: true);
        using var gpu = BgeM3Model.Load(model, new EmbeddingOptions { Device = device, BatchSize = batch });
        using var cpu = BgeM3Model.Load(model, new EmbeddingOptions { BatchSize = batch });
        var inputs = MixedInputs(gpu.Tokenizer.VocabularySize, simulator ? 3 : 4 * batch, simulator ? 10 : length, seed: 2);
        long tokens = inputs.Sum(e => (long)e.Ids.Length);
        var (actual, seconds, back) = Timed(device, () => gpu.Encode(inputs));
        var expected = cpu.Encode(inputs[..Math.Min(batch, inputs.Length)]); // one batch: the CPU heads are slow
        double worstDense = 1, worstColbert = 0, worstSparse = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worstDense = Math.Min(worstDense, Cosine(actual[i].Dense, expected[i].Dense));
            for (int t = 0; t < actual[i].ColBert.Length; t++)
                for (int c = 0; c < actual[i].ColBert[t].Length; c++)
                    worstColbert = Math.Max(worstColbert, Math.Abs(actual[i].ColBert[t][c] - expected[i].ColBert[t][c]));
            foreach (int id in actual[i].Sparse.Keys.Union(expected[i].Sparse.Keys))
                worstSparse = Math.Max(worstSparse, Math.Abs(actual[i].Sparse.GetValueOrDefault(id) - expected[i].Sparse.GetValueOrDefault(id)));
        }
        int hidden = actual[0].Dense.Length;
        Console.WriteLine($"| {Name(model)} (BGE-M3 heads) | {inputs.Length} x ≤{(simulator ? 10 : length)} | {tokens / seconds:F0} tok/s | " +
            $"{(double)back / tokens:F0} B back per token vs {4 * hidden} hidden state | dense cos ≥ {worstDense:F6}, ColBERT max abs {worstColbert:E1}, sparse max abs {worstSparse:E1} |");
        return worstDense >= 0.99999 && worstColbert <= 1e-4 && worstSparse <= 1e-4 ? 0 : 1;
    }

    /// <summary>A cross-encoder on the device: tokens/s, bytes back (one logit per pair) against the hidden state, logits against the CPU.</summary>
    public static int Reranker(string model, int batch, int length, bool simulator)
    {
        using var device = Device(simulator, overlap: true);
        using var gpu = CrossEncoder.Load(model, new EmbeddingOptions { Device = device, BatchSize = batch });
        using var cpu = CrossEncoder.Load(model, new EmbeddingOptions { BatchSize = batch });
        var inputs = MixedInputs(gpu.Tokenizer.VocabularySize, simulator ? 3 : 4 * batch, simulator ? 10 : length, seed: 3);
        long tokens = inputs.Sum(e => (long)e.Ids.Length);
        var (actual, seconds, back) = Timed(device, () => gpu.Logits(inputs));
        var expected = cpu.Logits(inputs[..Math.Min(batch, inputs.Length)]);
        double worst = actual.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));
        Console.WriteLine($"| {Name(model)} (reranker) | {inputs.Length} x ≤{(simulator ? 10 : length)} | {tokens / seconds:F0} tok/s | " +
            $"{back} B back ({back / inputs.Length} per pair) | logit max abs {worst:E1} |");
        return worst <= 1e-4 ? 0 : 1;
    }

    private static GpuDevice Device(bool simulator, bool overlap)
    {
        var device = simulator ? GpuDevice.CpuSimulator() : GpuDevice.Cuda();
        device.OverlapBatches = overlap;
        return device;
    }

    /// <summary>Random ids, lengths spread over 2..maxLength (a realistic mix, so batches differ in shape).</summary>
    internal static TokenEncoding[] MixedInputs(int vocabulary, int count, int maxLength, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var ids = new int[random.Next(2, maxLength + 1)];
            for (int t = 0; t < ids.Length; t++) ids[t] = random.Next(5, vocabulary);
            return new TokenEncoding(ids, new int[ids.Length]);
        }).ToArray();
    }

    /// <summary>One warm-up, then one timed run: its result, seconds, and the bytes it copied device → host.</summary>
    private static (T Result, double Seconds, long BytesBack) Timed<T>(GpuDevice device, Func<T> run)
    {
        run();
        long before = device.Transfers.DeviceToHostBytes;
        var clock = Stopwatch.StartNew();
        var result = run();
        double seconds = clock.Elapsed.TotalSeconds;
        return (result, seconds, device.Transfers.DeviceToHostBytes - before);
    }

    /// <summary>Sentences of 1..maxWords words, English and Chinese mixed.</summary>
    private static string[] MixedTexts(int count, int maxWords, int seed)
    {
        string[] words = ["the", "retrieval", "model", "embeds", "passages", "quickly", "向量", "检索", "模型", "很快", "documents", "和", "queries"];
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, Math.Max(2, maxWords + 1))).Select(_ => words[random.Next(words.Length)])))
            .ToArray();
    }

    private static double Seconds(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, x = 0, y = 0;
        for (int i = 0; i < a.Length; i++) (dot, x, y) = (dot + a[i] * b[i], x + a[i] * a[i], y + b[i] * b[i]);
        return dot / Math.Sqrt(x * y);
    }

    private static string Name(string model) => Path.GetFileName(model.TrimEnd('/'));
}
