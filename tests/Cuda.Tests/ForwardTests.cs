using EmbedRt.Kernels.Cuda;
using EmbedRt.M3;
using EmbedRt.Rerank;
using EmbedRt.Runtime.Tests.Model;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// The whole forward pass on the GPU kernels (ILGPU's CPU simulator) against the float64 references of the
/// tiny fixture models and against the CPU path: F32, F16 and BF16 checkpoints (kept 16-bit on the device),
/// BERT and XLM-R, a packed batch of several lengths, the BGE-M3 heads and a reranker.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ForwardTests
{
    private static readonly Dictionary<string, EmbeddingModel> Models = new();

    private static EmbeddingModel Load(string model, PoolingMode pooling)
    {
        lock (Models)
        {
            string key = $"{model}|{pooling}";
            if (!Models.TryGetValue(key, out var loaded))
                Models[key] = loaded = EmbeddingModel.Load(Fixtures.Model(model),
                    new EmbeddingOptions { Device = Simulator.Device, Pooling = pooling, Normalize = false, Threads = 1 });
            return loaded;
        }
    }

    [Theory]
    [InlineData("bert-tiny-uncased")]
    [InlineData("bert-tiny-zh")]
    [InlineData("xlmr-tiny-m3")]
    public void LastHiddenStateAndPoolingMatchReference(string model)
    {
        // The shortest case of more than a few tokens: the simulator costs ~10⁴× native time.
        var reference = ReferenceCases.Load(model).Where(c => c.LastHiddenState is not null && c.InputIds.Length > 4).MinBy(c => c.InputIds.Length)!;
        var cls = Load(model, PoolingMode.Cls);
        Assert.StartsWith("cpu-sim", cls.KernelName);
        var encoding = new TokenEncoding(reference.InputIds, reference.TokenTypeIds);

        var hidden = cls.LastHiddenState(encoding);
        double error = Metrics.MaxAbsError(hidden, reference.LastHiddenState!.SelectMany(row => row).ToArray());
        Assert.True(error <= 1e-4, $"last_hidden_state max abs error {error:E2}");
        Assert.True(Metrics.Cosine(cls.Embed([encoding])[0], reference.Cls) >= 0.99999);
    }

    /// <summary>Head sizes of real models beyond the fixtures' (64: bge-base, BGE-M3, e5-large; 48): the simulator runs them too.</summary>
    [Theory]
    [InlineData(64, 1)]
    [InlineData(96, 2)]
    public void ModelsWithLargerHeadsMatchTheCpuPath(int hidden, int heads)
    {
        string dir = RandomModel.Write(new ModelShape { Hidden = hidden, Heads = heads, Intermediate = 2 * hidden + 1 });
        string[] texts = ["hello world", "a somewhat longer sentence, with punctuation!"];
        using var gpu = EmbeddingModel.Load(dir, new EmbeddingOptions { Device = Simulator.Device, Pooling = PoolingMode.Mean, Threads = 1 });
        using var cpu = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, Threads = 1 });
        var actual = gpu.Embed(texts);
        var expected = cpu.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
            Assert.True(Metrics.MaxAbsError(actual[i], expected[i]) <= 1e-4, $"head size {hidden / heads}, text {i}: max abs error {Metrics.MaxAbsError(actual[i], expected[i]):E2}");
    }

    [Fact]
    public void PackedBatchOfSeveralLengthsMatchesTheCpuPath()
    {
        const string model = "bert-tiny-uncased";
        var cases = ReferenceCases.Load(model).Where(c => c.InputIds.Length is > 1 and <= 16).Take(4).ToArray();
        var encodings = cases.Select(c => new TokenEncoding(c.InputIds, c.TokenTypeIds)).ToArray();
        Assert.True(encodings.Select(e => e.Ids.Length).Distinct().Count() > 1, "the batch must mix lengths");
        var gpu = Load(model, PoolingMode.Mean).Embed(encodings);
        using var cpu = EmbeddingModel.Load(Fixtures.Model(model), new EmbeddingOptions { Pooling = PoolingMode.Mean, Normalize = false, Threads = 1 });
        var expected = cpu.Embed(encodings);
        for (int i = 0; i < encodings.Length; i++)
        {
            Assert.True(Metrics.MaxAbsError(gpu[i], expected[i]) <= 1e-4, $"input {i}: max abs error {Metrics.MaxAbsError(gpu[i], expected[i]):E2}");
            Assert.True(Metrics.Cosine(gpu[i], cases[i].Mean) >= 0.99999);
        }
    }

    [Fact]
    public void BgeM3HeadsMatchTheCpuPathAndOnlyTheirRowsComeBack()
    {
        const string model = "xlmr-tiny-m3";
        string[] texts = ["hello world", "你好，世界 and more words", "a"];
        var device = Simulator.Device;
        using var gpu = BgeM3Model.Load(Fixtures.Model(model), new EmbeddingOptions { Device = device, Threads = 1 });
        using var cpu = BgeM3Model.Load(Fixtures.Model(model), new EmbeddingOptions { Threads = 1 });
        long before = device.Transfers.DeviceToHostBytes, copiesBefore = device.Transfers.DeviceToHostCopies;
        var actual = gpu.Encode(texts);
        long copied = device.Transfers.DeviceToHostBytes - before;
        // One batch, three heads, one copy each: ColBERT's rows after CLS come out of its GEMM packed.
        Assert.Equal(3, device.Transfers.DeviceToHostCopies - copiesBefore);
        var expected = cpu.Encode(texts);
        long needed = 0;
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.True(Metrics.Cosine(actual[i].Dense, expected[i].Dense) >= 0.99999);
            Assert.Equal(expected[i].ColBert.Length, actual[i].ColBert.Length);
            Assert.True(Metrics.MaxAbsError(actual[i].ColBert.SelectMany(v => v).ToArray(), expected[i].ColBert.SelectMany(v => v).ToArray()) <= 1e-4);
            foreach (int token in expected[i].Sparse.Keys.Union(actual[i].Sparse.Keys))
                Assert.Equal(expected[i].Sparse.GetValueOrDefault(token), actual[i].Sparse.GetValueOrDefault(token), 1e-4);
            // Per sequence: the dense CLS vector, one sparse weight per token, one ColBERT row per token after CLS.
            int tokens = actual[i].ColBert.Length + 1, colbertDim = actual[i].ColBert.Length > 0 ? actual[i].ColBert[0].Length : 0;
            needed += sizeof(float) * (actual[i].Dense.Length + tokens + (tokens - 1L) * colbertDim);
        }
        Assert.Contains(expected, e => e.Sparse.Count > 0);
        Assert.Equal(needed, copied);
    }

    [Fact]
    public void RerankerScoresMatchTheCpuPathAndOnlyTheScoresComeBack()
    {
        const string model = "xlmr-tiny-reranker";
        // Nine pairs in batches of two: more than four batches, so the pairs are tokenized a chunk ahead.
        (string, string)[] pairs = [("what is a panda?", "a bear"), ("hi", "a longer passage"), ("x", "y"), ("a", "b c"), ("d", "e"),
            ("f g", "h"), ("i", "j"), ("k", "l m"), ("n", "o")];
        var device = Simulator.Device;
        using var gpu = CrossEncoder.Load(Fixtures.Model(model), new EmbeddingOptions { Device = device, Threads = 1, BatchSize = 2 });
        using var cpu = CrossEncoder.Load(Fixtures.Model(model), new EmbeddingOptions { Threads = 1 });
        long before = device.Transfers.DeviceToHostBytes;
        var actual = gpu.Logits(pairs);
        Assert.Equal(sizeof(float) * pairs.Length, device.Transfers.DeviceToHostBytes - before); // one logit per pair, over five batches
        var expected = cpu.Logits(pairs);
        for (int i = 0; i < pairs.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
    }

    [Fact]
    public void AMeanThatLeavesThePromptOutMatchesTheCpuPathAndSendsBackOnlyVectors()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var poolingPath = Path.Combine(dir, "1_Pooling", "config.json");
        File.WriteAllText(poolingPath, File.ReadAllText(poolingPath).Replace("\"include_prompt\": true", "\"include_prompt\": false"));
        var device = Simulator.Device;
        using var gpu = EmbeddingModel.Load(dir, new EmbeddingOptions { Device = device, Pooling = PoolingMode.Mean, Threads = 1 });
        using var cpu = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, Threads = 1 });
        string[] texts = ["hello world", "a"];
        long before = device.Transfers.DeviceToHostBytes;
        var actual = gpu.Embed(texts, prompt: "query: ");
        Assert.Equal(sizeof(float) * (long)gpu.Dimension * texts.Length, device.Transfers.DeviceToHostBytes - before);
        var expected = cpu.Embed(texts, prompt: "query: ");
        for (int i = 0; i < texts.Length; i++) Assert.True(Metrics.MaxAbsError(actual[i], expected[i]) <= 1e-4, $"text {i}");
        Assert.True(Metrics.MaxAbsError(actual[0], gpu.Embed(["query: hello world"], prompt: "")[0]) > 1e-3, "the prompt must be left out");
    }

    [Fact]
    public void PooledEmbeddingsSendBackOneVectorPerInput()
    {
        const string model = "bert-tiny-uncased";
        var device = Simulator.Device;
        using var gpu = EmbeddingModel.Load(Fixtures.Model(model), new EmbeddingOptions { Device = device, Threads = 1 });
        var encodings = ReferenceCases.Load(model).Where(c => c.InputIds.Length is > 1 and <= 12).Take(3)
            .Select(c => new TokenEncoding(c.InputIds, c.TokenTypeIds)).ToArray();
        long before = device.Transfers.DeviceToHostBytes;
        var vectors = gpu.Embed(encodings);
        Assert.Equal(sizeof(float) * (long)gpu.Dimension * encodings.Length, device.Transfers.DeviceToHostBytes - before);
        Assert.All(vectors, v => Assert.Equal(gpu.Dimension, v.Length));
    }
}
