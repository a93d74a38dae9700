using EmbedRt.Loader.Safetensors;
using EmbedRt.Rerank;
using EmbedRt.Runtime.Tests.Model;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Heads;

public class CrossEncoderTests
{
    private const string RerankerName = "xlmr-tiny-reranker";
    private static readonly Lazy<CrossEncoder> Reranker = new(() => CrossEncoder.Load(Fixtures.Model(RerankerName), new EmbeddingOptions { Threads = 2 }));

    public static TheoryData<int> Cases() => new(ReferenceCases.Load(RerankerName).Select(c => c.Index));

    [Theory]
    [MemberData(nameof(Cases))]
    public void XlmRobertaLogitsMatchReference(int index)
    {
        var reference = ReferenceCases.Load(RerankerName)[index];
        float logit = Reranker.Value.Logits([new TokenEncoding(reference.InputIds, reference.TokenTypeIds)])[0];
        Assert.Equal(reference.Raw.GetProperty("logit").GetDouble(), logit, 1e-4);
        Assert.Equal(reference.Raw.GetProperty("score").GetDouble(), CrossEncoder.Sigmoid(logit), 1e-5);
    }

    [Fact]
    public void RerankSortsPassagesByScoreAndKeepsTheirIndices()
    {
        var cases = ReferenceCases.Load(RerankerName).Where(c => c.Text == ReferenceCases.Load(RerankerName)[0].Text).ToArray();
        var results = Reranker.Value.Rerank(cases[0].Text, cases.Select(c => c.Pair!).ToArray());

        Assert.Equal(cases.Length, results.Length);
        Assert.Equal(Enumerable.Range(0, cases.Length), results.Select(r => r.Index).Order());
        Assert.True(results.Zip(results.Skip(1)).All(p => p.First.Score >= p.Second.Score));
        foreach (var result in results)
            Assert.Equal(cases[result.Index].Raw.GetProperty("logit").GetDouble(), result.Logit, 1e-4);
    }

    /// <summary>
    /// BertForSequenceClassification: the tiny BERT fixture plus a random pooler and classifier; the expected logit
    /// comes from the reference-checked hidden state and the head computed here in double precision.
    /// </summary>
    [Fact]
    public void BertClassifierUsesPoolerAndClassifier()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        const int h = 64;
        var poolerWeight = Metrics.Random(h * h, seed: 1, scale: 0.2f);
        var poolerBias = Metrics.Random(h, seed: 2, scale: 0.1f);
        var classifierWeight = Metrics.Random(h, seed: 3, scale: 0.3f);
        var classifierBias = Metrics.Random(1, seed: 4, scale: 0.1f);
        Dictionary<string, TensorData> tensors;
        using (var original = SafetensorsCheckpoint.OpenDirectory(dir))
        {
            tensors = original.Tensors.Keys.ToDictionary(name => "bert." + name, name =>
            {
                var t = original.ReadFloatAnyShape(name);
                return TensorData.FromFloats(t.Data.Span, t.Shape.Select(d => (long)d).ToArray());
            });
        }
        tensors["bert.pooler.dense.weight"] = TensorData.FromFloats(poolerWeight, [h, h]);
        tensors["bert.pooler.dense.bias"] = TensorData.FromFloats(poolerBias, [h]);
        tensors["classifier.weight"] = TensorData.FromFloats(classifierWeight, [1, h]);
        tensors["classifier.bias"] = TensorData.FromFloats(classifierBias, [1]);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);

        var reference = ReferenceCases.Load("bert-tiny-uncased").First(c => c.Pair is not null);
        using var encoder = CrossEncoder.Load(dir, new EmbeddingOptions { Kernels = KernelChoice.Reference });
        float logit = encoder.Logits([new TokenEncoding(reference.InputIds, reference.TokenTypeIds)])[0];

        var cls = reference.Cls;
        double expected = classifierBias[0];
        for (int o = 0; o < h; o++)
        {
            double pooled = poolerBias[o];
            for (int i = 0; i < h; i++) pooled += poolerWeight[o * h + i] * cls[i];
            expected += classifierWeight[o] * Math.Tanh(pooled);
        }
        Assert.Equal(expected, logit, 1e-4);
    }

    [Fact]
    public void EmbeddingModelWithoutClassifierIsRejected()
    {
        var error = Assert.Throws<Loader.ModelFormatException>(() => CrossEncoder.Load(Fixtures.Model("bert-tiny-uncased")));
        Assert.Contains("classification head", error.Message);
    }

    /// <summary>Each pair's logit reaches the callback once, as returned.</summary>
    [Fact]
    public void LogitsReportEachPairAsItsPassIsDone()
    {
        var encodings = new[] { ("q", "a passage"), ("query", "another, longer passage of text"), ("x", "y") }
            .Select(p => Reranker.Value.Tokenizer.Encode(p.Item1, p.Item2)).ToArray();
        var reported = new float?[encodings.Length];
        var logits = Reranker.Value.Logits(encodings, (i, logit) =>
        {
            Assert.Null(reported[i]);
            reported[i] = logit;
        });
        Assert.Equal(logits.Select(l => (float?)l), reported);
    }
}
