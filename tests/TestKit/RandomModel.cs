using System.Text;

namespace EmbedRt.TestKit;

/// <summary>The shape of a random-weight encoder written by <see cref="RandomModel.Write"/>.</summary>
public sealed record ModelShape
{
    public int Hidden { get; init; } = 16;
    public int Layers { get; init; } = 1;
    public int Heads { get; init; } = 2;
    public int Intermediate { get; init; } = 9;
    public int MaxPositions { get; init; } = 16;
    public int TypeVocab { get; init; } = 2;
    /// <summary>Null: the tokenizer folder's own vocabulary size (its vocab.txt).</summary>
    public int? Vocab { get; init; }
    /// <summary>config.json's model_type: "bert", or "xlm-roberta" (positions then start after the padding id).</summary>
    public string ModelType { get; init; } = "bert";
    public int PadTokenId { get; init; }
}

/// <summary>
/// Model folders of unusual shapes for hostile-input tests: a fixture's tokenizer files with a config.json and a
/// float32 model.safetensors of random weights (biases too) written here, without the Loader.
/// </summary>
public static class RandomModel
{
    /// <summary>
    /// Writes a model of <see cref="ModelShape.ModelType"/> using the tokenizer files of
    /// <paramref name="tokenizerModel"/> (a fixture name: bert-tiny-uncased by default) into a fresh temp folder and
    /// returns it.
    /// </summary>
    public static string Write(ModelShape shape, string tokenizerModel = "bert-tiny-uncased", int seed = 11)
    {
        string source = Fixtures.Model(tokenizerModel);
        string dir = Fixtures.TempDirectory("random-" + tokenizerModel);
        foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "sentencepiece.bpe.model" })
            if (File.Exists(Path.Combine(source, file))) File.Copy(Path.Combine(source, file), Path.Combine(dir, file));
        int vocab = shape.Vocab ?? File.ReadLines(Path.Combine(source, "vocab.txt")).Count();
        File.WriteAllText(Path.Combine(dir, "config.json"), $$"""
            {"model_type": "{{shape.ModelType}}", "hidden_size": {{shape.Hidden}}, "num_hidden_layers": {{shape.Layers}},
             "num_attention_heads": {{shape.Heads}}, "intermediate_size": {{shape.Intermediate}}, "hidden_act": "gelu",
             "layer_norm_eps": 1e-12, "max_position_embeddings": {{shape.MaxPositions}},
             "type_vocab_size": {{shape.TypeVocab}}, "vocab_size": {{vocab}}, "pad_token_id": {{shape.PadTokenId}}}
            """);

        int h = shape.Hidden;
        var tensors = new List<(string Name, long[] Shape, float[] Values)>();
        void Add(string name, float scale, params long[] dims) =>
            tensors.Add((name, dims, Metrics.Random((int)dims.Aggregate(1L, (a, b) => a * b), seed++, scale)));
        void Norm(string name)
        {
            tensors.Add((name + ".weight", [h], Metrics.Random(h, seed++, 0.1f).Select(x => 1 + x).ToArray()));
            Add(name + ".bias", 0.05f, h);
        }
        Add("embeddings.word_embeddings.weight", 0.5f, vocab, h);
        Add("embeddings.position_embeddings.weight", 0.5f, shape.MaxPositions, h);
        Add("embeddings.token_type_embeddings.weight", 0.5f, shape.TypeVocab, h);
        Norm("embeddings.LayerNorm");
        for (int l = 0; l < shape.Layers; l++)
        {
            string layer = $"encoder.layer.{l}.";
            foreach (var part in new[] { "query", "key", "value" })
            {
                Add(layer + $"attention.self.{part}.weight", 0.3f, h, h);
                Add(layer + $"attention.self.{part}.bias", 0.05f, h);
            }
            Add(layer + "attention.output.dense.weight", 0.2f, h, h);
            Add(layer + "attention.output.dense.bias", 0.05f, h);
            Norm(layer + "attention.output.LayerNorm");
            Add(layer + "intermediate.dense.weight", 0.2f, shape.Intermediate, h);
            Add(layer + "intermediate.dense.bias", 0.05f, shape.Intermediate);
            Add(layer + "output.dense.weight", 0.2f, h, shape.Intermediate);
            Add(layer + "output.dense.bias", 0.05f, h);
            Norm(layer + "output.LayerNorm");
        }
        WriteSafetensors(Path.Combine(dir, "model.safetensors"), tensors);
        return dir;
    }

    private static void WriteSafetensors(string path, List<(string Name, long[] Shape, float[] Values)> tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dims, values) in tensors)
        {
            if (header.Length > 1) header.Append(',');
            long end = offset + values.Length * 4L;
            header.Append($"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(',', dims)}],\"data_offsets\":[{offset},{end}]}}");
            offset = end;
        }
        header.Append('}');
        while (header.Length % 8 != 0) header.Append(' ');
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        writer.Write((ulong)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header.ToString()));
        foreach (var (_, _, values) in tensors)
            foreach (float value in values) writer.Write(value);
    }
}
