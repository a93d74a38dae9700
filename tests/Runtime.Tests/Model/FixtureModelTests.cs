using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>
/// Every tiny fixture model against its float64 reference: last hidden state (max abs error ≤ 1e-4), CLS and mean
/// pooling, and the model's default embedding (cosine ≥ 0.99999), on every kernel set.
/// </summary>
public class FixtureModelTests
{
    public static readonly string[] Models =
    [
        "bert-tiny-uncased", "bert-tiny-zh", "xlmr-tiny-m3", "xlmr-tiny-reranker",
        // Made by tools/modelgen: gelu_new with 3 shards, and XLM-R in F16 under "roberta.", inputs up to max positions.
        "bert-sharded-gelunew", "xlmr-f16-roberta",
    ];
    public static readonly KernelChoice[] KernelSets = [KernelChoice.Reference, KernelChoice.Auto];

    public static TheoryData<string, int, KernelChoice> Cases()
    {
        var data = new TheoryData<string, int, KernelChoice>();
        foreach (var model in Models)
            foreach (var c in ReferenceCases.Load(model))
                foreach (var kernels in KernelSets)
                    data.Add(model, c.Index, kernels);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LastHiddenStateAndPoolingMatchReference(string model, int index, KernelChoice kernels)
    {
        var reference = ReferenceCases.Load(model)[index];
        var cls = LoadedModels.Get(model, kernels, PoolingMode.Cls, normalize: false);
        var mean = LoadedModels.Get(model, kernels, PoolingMode.Mean, normalize: false);
        var encoding = new TokenEncoding(reference.InputIds, reference.TokenTypeIds);

        if (reference.LastHiddenState is { } expected)
        {
            var hidden = cls.LastHiddenState(encoding);
            Assert.True(Metrics.MaxAbsError(hidden, expected.SelectMany(row => row).ToArray()) <= 1e-4,
                $"last_hidden_state max abs error {Metrics.MaxAbsError(hidden, expected.SelectMany(row => row).ToArray()):E2}");
        }
        AssertClose(cls.Embed([encoding])[0], reference.Cls, "cls");
        AssertClose(mean.Embed([encoding])[0], reference.Mean, "mean");
        if (reference.Embedding is { } embedding)
            AssertClose(LoadedModels.Get(model, kernels, PoolingMode.FromModel, normalize: null).Embed([encoding])[0], embedding, "embedding");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DefaultEmbeddingOfTextMatchesReference(string model, int index, KernelChoice kernels)
    {
        var reference = ReferenceCases.Load(model)[index];
        // The reranker's reference has no sentence embedding; generated references have ids but no text.
        if (reference.Embedding is null || !reference.Raw.TryGetProperty("text", out _)) return;
        var loaded = LoadedModels.Get(model, kernels, PoolingMode.FromModel, normalize: null);
        var vector = loaded.EmbedPairs([(reference.Text, reference.Pair)])[0];
        double cosine = Metrics.Cosine(vector, reference.Embedding);
        Assert.True(cosine >= 0.99999, $"cosine {cosine}");
        double norm = Math.Sqrt(vector.Sum(v => (double)v * v));
        Assert.Equal(1.0, norm, 1e-5);
    }

    public static TheoryData<string, int, KernelChoice> StoredWeightCases()
    {
        var data = new TheoryData<string, int, KernelChoice>();
        foreach (var model in Models)
            foreach (var c in ReferenceCases.Load(model))
                data.Add(model, c.Index, KernelChoice.Auto);
        return data;
    }

    /// <summary>
    /// 16-bit weights kept 16-bit (F16 bert-tiny-zh and xlmr-f16-roberta, BF16 xlmr-tiny-m3; a no-op for the
    /// F32 models) give the same last hidden state and embedding, within the same tolerances.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoredWeightCases))]
    public void StoredHalfWeightsMatchReference(string model, int index, KernelChoice kernels)
    {
        var reference = ReferenceCases.Load(model)[index];
        var encoding = new TokenEncoding(reference.InputIds, reference.TokenTypeIds);
        var stored = LoadedModels.Get(model, kernels, PoolingMode.FromModel, normalize: null, WeightPrecision.Stored);
        if (reference.LastHiddenState is { } expected)
        {
            double error = Metrics.MaxAbsError(stored.LastHiddenState(encoding), expected.SelectMany(row => row).ToArray());
            Assert.True(error <= 1e-4, $"last_hidden_state max abs error {error:E2}");
        }
        if (reference.Embedding is { } embedding) AssertClose(stored.Embed([encoding])[0], embedding, "embedding");
    }

    /// <summary>Keeping 16-bit weights must actually save memory: the F16 model's load allocates far less.</summary>
    [Fact]
    public void StoredHalfWeightsHalveTheLoadAllocation()
    {
        long Allocated(WeightPrecision weights)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-zh"), new EmbeddingOptions { Threads = 1, Weights = weights });
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Allocated(WeightPrecision.Stored); // warm-up: first-load allocations (tokenizer statics, JIT) counted once
        long widened = Allocated(WeightPrecision.Float32), stored = Allocated(WeightPrecision.Stored);
        Assert.True(stored < 0.75 * widened, $"stored {stored:N0} B vs widened {widened:N0} B");
    }

    [Theory]
    [InlineData("bert-tiny-uncased")]
    [InlineData("xlmr-tiny-m3")]
    public void BatchOfMixedLengthsEqualsOneAtATime(string model)
    {
        var loaded = LoadedModels.Get(model, KernelChoice.Auto, PoolingMode.FromModel, normalize: null);
        var texts = ReferenceCases.Load(model).Select(c => c.Text).ToArray();
        var batched = loaded.Embed(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var single = loaded.Embed([texts[i]])[0];
            Assert.True(Metrics.MaxAbsError(batched[i], single) <= 1e-5, $"input {i} differs in a batch");
        }
    }

    /// <summary>Hidden states of a mixed-length batch in one pass: each input's rows, handed over once, as one at a time gives them.</summary>
    [Theory]
    [InlineData("bert-tiny-uncased")]
    [InlineData("xlmr-tiny-m3")]
    public void HiddenStatesOfABatchEqualOneAtATime(string model)
    {
        var loaded = LoadedModels.Get(model, KernelChoice.Auto, PoolingMode.FromModel, normalize: null);
        var encodings = ReferenceCases.Load(model).Select(c => new TokenEncoding(c.InputIds, c.TokenTypeIds)).ToArray();
        var batched = new float[encodings.Length][];
        loaded.LastHiddenStates(encodings, (index, hidden) =>
        {
            Assert.Null(batched[index]);
            batched[index] = hidden;
        });
        for (int i = 0; i < encodings.Length; i++)
        {
            var single = loaded.LastHiddenState(encodings[i]);
            Assert.Equal(single.Length, batched[i].Length);
            Assert.True(Metrics.MaxAbsError(batched[i], single) <= 1e-5, $"input {i} differs in a batch");
        }
    }

    private static void AssertClose(float[] actual, double[] expected, string what)
    {
        double cosine = Metrics.Cosine(actual, expected);
        double error = Metrics.MaxAbsError(actual, expected);
        Assert.True(cosine >= 0.99999 && error <= 1e-4, $"{what}: cosine {cosine}, max abs error {error:E2}");
    }
}
