using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Onnx2Hf;

/// <summary>
/// Rebuilds a Hugging Face BERT folder from a torch-exported ONNX BERT. The export keeps Hugging Face names for every
/// tensor that a node uses directly (embeddings, biases, LayerNorms, the pooler) and stores each nn.Linear weight
/// transposed ([in, out]) under a number as the second input of a MatMul; the Add that follows it names the layer
/// through its bias ("….query.bias" → "….query.weight"). Shapes, layer count and heads come from the graph; what the
/// graph cannot say (activation, eps, pooling) is BERT's / sentence-transformers' and all-MiniLM's default, and is
/// written to config.json where a reader can check it.
/// </summary>
internal static class HfExport
{
    public static void Write(OnnxGraph graph, byte[] vocab, string outputDirectory, int maxSeqLength)
    {
        var tensors = new SortedDictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var init in graph.Initializers.Values)
            if (init.Floats is not null && init.Name.Contains('.')) tensors[init.Name] = TensorData.FromFloats(init.Floats, init.Dims);
        var producerOf = graph.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add"))
        {
            string? bias = add.Inputs.FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(i));
            string? product = add.Inputs.FirstOrDefault(i => i != bias);
            if (bias is null || product is null || !producerOf.TryGetValue(product, out var matMul) || matMul.OpType != "MatMul") continue;
            if (!graph.Initializers.TryGetValue(matMul.Inputs[1], out var weight) || weight.Floats is null || weight.Dims.Length != 2)
                continue;
            int rows = (int)weight.Dims[0], cols = (int)weight.Dims[1];
            var transposed = new float[weight.Floats.Length];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) transposed[j * rows + i] = weight.Floats[i * cols + j];
            tensors[bias[..^".bias".Length] + ".weight"] = TensorData.FromFloats(transposed, [cols, rows]);
        }
        tensors.Remove("embeddings.position_ids");

        var config = Config(graph, tensors);
        Directory.CreateDirectory(outputDirectory);
        SafetensorsWriter.Write(Path.Combine(outputDirectory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        WriteJson(outputDirectory, "config.json", config);
        File.WriteAllBytes(Path.Combine(outputDirectory, "vocab.txt"), vocab);
        WriteJson(outputDirectory, "tokenizer_config.json", new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = true, ["tokenize_chinese_chars"] = true, ["strip_accents"] = null,
            ["model_max_length"] = (long)config["max_position_embeddings"]!, ["cls_token"] = "[CLS]", ["sep_token"] = "[SEP]",
            ["pad_token"] = "[PAD]", ["unk_token"] = "[UNK]", ["mask_token"] = "[MASK]",
        });
        WriteJson(outputDirectory, "special_tokens_map.json", new JsonObject
        {
            ["cls_token"] = "[CLS]", ["sep_token"] = "[SEP]", ["pad_token"] = "[PAD]", ["unk_token"] = "[UNK]", ["mask_token"] = "[MASK]",
        });
        WriteJson(outputDirectory, "sentence_bert_config.json", new JsonObject { ["max_seq_length"] = maxSeqLength, ["do_lower_case"] = false });
        WriteJson(outputDirectory, "modules.json", new JsonArray
        {
            Module(0, "0", "", "sentence_transformers.models.Transformer"),
            Module(1, "1", "1_Pooling", "sentence_transformers.models.Pooling"),
            Module(2, "2", "2_Normalize", "sentence_transformers.models.Normalize"),
        });
        Directory.CreateDirectory(Path.Combine(outputDirectory, "1_Pooling"));
        Directory.CreateDirectory(Path.Combine(outputDirectory, "2_Normalize"));
        WriteJson(Path.Combine(outputDirectory, "1_Pooling"), "config.json", new JsonObject
        {
            ["word_embedding_dimension"] = (long)config["hidden_size"]!, ["pooling_mode_cls_token"] = false, ["pooling_mode_mean_tokens"] = true,
            ["pooling_mode_max_tokens"] = false, ["pooling_mode_mean_sqrt_len_tokens"] = false,
        });
    }

    private static JsonObject Config(OnnxGraph graph, IDictionary<string, TensorData> tensors)
    {
        long[] Shape(string name) => tensors.TryGetValue(name, out var t) ? t.Shape
            : throw new InvalidDataException($"the ONNX graph has no initializer '{name}': not a BERT export this tool knows");
        long[] word = Shape("embeddings.word_embeddings.weight");
        long hidden = word[1];
        int layers = 0;
        while (tensors.ContainsKey($"encoder.layer.{layers}.attention.self.query.weight")) layers++;
        if (layers == 0) throw new InvalidDataException("no encoder.layer.0.attention.self.query MatMul + Add found");
        return new JsonObject
        {
            ["architectures"] = new JsonArray("BertModel"),
            ["model_type"] = "bert",
            ["hidden_size"] = hidden,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = Heads(graph, hidden),
            ["intermediate_size"] = Shape("encoder.layer.0.intermediate.dense.weight")[0],
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12,
            ["max_position_embeddings"] = Shape("embeddings.position_embeddings.weight")[0],
            ["type_vocab_size"] = Shape("embeddings.token_type_embeddings.weight")[0],
            ["vocab_size"] = word[0],
            ["pad_token_id"] = 0,
            ["position_embedding_type"] = "absolute",
            ["torch_dtype"] = "float32",
        };
    }

    /// <summary>
    /// Attention heads, from the reshape to [batch, seq, heads, head_dim]: the Concat that builds that shape ends in
    /// two one-element int64 constants whose product is the hidden size.
    /// </summary>
    private static long Heads(OnnxGraph graph, long hidden)
    {
        foreach (var concat in graph.Nodes.Where(n => n.OpType == "Concat" && n.Inputs.Length == 4))
        {
            long? heads = ScalarInt64(graph, concat.Inputs[2]), headDim = ScalarInt64(graph, concat.Inputs[3]);
            if (heads > 0 && headDim > 0 && heads * headDim == hidden) return heads.Value;
        }
        throw new InvalidDataException("could not find the attention head count (a Concat of [heads], [head_dim] constants)");
    }

    private static long? ScalarInt64(OnnxGraph graph, string name)
        => graph.RawInt64(name) is { Length: 1 } values ? values[0] : null;

    private static JsonObject Module(int index, string name, string path, string type)
        => new() { ["idx"] = index, ["name"] = name, ["path"] = path, ["type"] = type };

    private static void WriteJson(string directory, string name, JsonNode node)
        => File.WriteAllText(Path.Combine(directory, name), node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
