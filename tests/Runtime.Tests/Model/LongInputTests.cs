using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>
/// An 8192-token input to an XLM-R model with 8194 positions (BGE-M3's limit), on a random-weight model written
/// here: the fast kernels must agree with the reference over the whole length.
/// </summary>
public class LongInputTests
{
    private const int Hidden = 32, Heads = 2, Intermediate = 48, MaxTokens = 8192, Vocab = 1002, Pad = 1;

    [Fact]
    public void EightThousandTokenInputMatchesReference()
    {
        string dir = WriteModel();
        var rng = new Random(5);
        var ids = new int[MaxTokens];
        for (int i = 1; i < ids.Length - 1; i++) ids[i] = rng.Next(4, Vocab - 1);
        ids[0] = 0;
        ids[^1] = 2;
        var encoding = new TokenEncoding(ids, new int[ids.Length]);

        using var fast = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, MaxLength = MaxTokens });
        using var reference = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, MaxLength = MaxTokens, Kernels = KernelChoice.Reference });

        var fastHidden = fast.LastHiddenState(encoding);
        var referenceHidden = reference.LastHiddenState(encoding);
        Assert.True(Metrics.MaxAbsError(fastHidden, referenceHidden) <= 1e-3, $"max abs error {Metrics.MaxAbsError(fastHidden, referenceHidden)}");
        Assert.True(Metrics.Cosine(fast.Embed([encoding])[0], reference.Embed([encoding])[0]) >= 0.99999);

        var tooLong = new TokenEncoding(new int[MaxTokens + 1], new int[MaxTokens + 1]);
        Assert.Throws<ArgumentException>(() => fast.Embed([tooLong]));
    }

    private static string WriteModel()
    {
        string dir = Fixtures.TempDirectory("xlmr-8k");
        foreach (var file in new[] { "sentencepiece.bpe.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            File.Copy(Path.Combine(Fixtures.Model("xlmr-tiny-m3"), file), Path.Combine(dir, file));
        int positions = MaxTokens + Pad + 1;
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
            {"model_type": "xlm-roberta", "hidden_size": {{Hidden}}, "num_hidden_layers": 1, "num_attention_heads": {{Heads}},
             "intermediate_size": {{Intermediate}}, "hidden_act": "gelu", "layer_norm_eps": 1e-5, "max_position_embeddings": {{positions}},
             "type_vocab_size": 1, "vocab_size": {{Vocab}}, "pad_token_id": {{Pad}}}
            """);
        int seed = 100;
        var tensors = new Dictionary<string, TensorData>();
        void Add(string name, float scale, params long[] shape)
        {
            int count = (int)shape.Aggregate(1L, (a, b) => a * b);
            tensors[name] = TensorData.FromFloats(Metrics.Random(count, seed++, scale), shape);
        }
        void Norm(string name)
        {
            tensors[name + ".weight"] = TensorData.FromFloats(Enumerable.Repeat(1f, Hidden).ToArray(), [Hidden]);
            Add(name + ".bias", 0.02f, Hidden);
        }
        Add("embeddings.word_embeddings.weight", 0.5f, Vocab, Hidden);
        Add("embeddings.position_embeddings.weight", 0.5f, positions, Hidden);
        Add("embeddings.token_type_embeddings.weight", 0.5f, 1, Hidden);
        Norm("embeddings.LayerNorm");
        const string layer = "encoder.layer.0.";
        foreach (var part in new[] { "query", "key", "value" })
        {
            Add(layer + $"attention.self.{part}.weight", 0.3f, Hidden, Hidden);
            Add(layer + $"attention.self.{part}.bias", 0.02f, Hidden);
        }
        Add(layer + "attention.output.dense.weight", 0.2f, Hidden, Hidden);
        Add(layer + "attention.output.dense.bias", 0.02f, Hidden);
        Norm(layer + "attention.output.LayerNorm");
        Add(layer + "intermediate.dense.weight", 0.2f, Intermediate, Hidden);
        Add(layer + "intermediate.dense.bias", 0.02f, Intermediate);
        Add(layer + "output.dense.weight", 0.2f, Hidden, Intermediate);
        Add(layer + "output.dense.bias", 0.02f, Hidden);
        Norm(layer + "output.LayerNorm");
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        return dir;
    }
}
