using System.Text.Json;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>What the harness needs to know about a model folder to make inputs: vocabulary, special ids, limits.</summary>
internal sealed record ModelInfo(
    string Name,
    string Directory,
    string ModelType,
    int HiddenSize,
    int VocabSize,
    int PadId,
    int ClsId,
    int SepId,
    int MaxTokens,
    IReadOnlySet<int> SpecialIds,
    string Summary)
{
    /// <summary>The model's ONNX export as export_onnx.py writes it.</summary>
    public string OnnxPath => Path.Combine(Directory, "onnx", "model.onnx");

    /// <summary>The dynamically quantized int8 form of <see cref="OnnxPath"/> (tools/onnx2hf quantize).</summary>
    public string Int8OnnxPath => Path.Combine(Directory, "onnx", "model-int8.onnx");

    public static ModelInfo Load(string directory)
    {
        string configPath = Path.Combine(directory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"no config.json in {directory}", configPath);
        using var config = JsonDocument.Parse(File.ReadAllText(configPath));
        var root = config.RootElement;
        string modelType = root.GetProperty("model_type").GetString() ?? "bert";
        int padId = root.TryGetProperty("pad_token_id", out var pad) ? pad.GetInt32() : 0;
        int positions = root.GetProperty("max_position_embeddings").GetInt32();
        // XLM-R numbers positions from pad_token_id+1, so its table is longer than the longest input.
        int maxTokens = modelType == "xlm-roberta" ? positions - padId - 1 : positions;
        var vocabulary = Vocabulary.Load(directory);
        int clsId = vocabulary.Find("[CLS]", "<s>");
        int sepId = vocabulary.Find("[SEP]", "</s>");
        vocabulary.SpecialIds.Add(padId);
        return new ModelInfo(
            Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)), directory, modelType,
            root.GetProperty("hidden_size").GetInt32(), root.GetProperty("vocab_size").GetInt32(), padId,
            clsId, sepId, maxTokens, vocabulary.SpecialIds, Summarize(root));
    }

    private static string Summarize(JsonElement config)
    {
        string Field(string name) => config.TryGetProperty(name, out var v) ? v.ToString() : "?";
        return $"{Field("model_type")}, hidden {Field("hidden_size")}, {Field("num_hidden_layers")} layers, " +
               $"{Field("num_attention_heads")} heads, FFN {Field("intermediate_size")}, vocab {Field("vocab_size")}, " +
               $"{Field("hidden_act")}, weights {Field("torch_dtype")}";
    }

    /// <summary>Token strings by id and the special ids, from tokenizer.json (else vocab.txt).</summary>
    private sealed class Vocabulary
    {
        private readonly Dictionary<string, int> _ids = [];

        public HashSet<int> SpecialIds { get; } = [];

        public static Vocabulary Load(string directory)
        {
            var vocabulary = new Vocabulary();
            string tokenizerJson = Path.Combine(directory, "tokenizer.json");
            string vocabTxt = Path.Combine(directory, "vocab.txt");
            if (File.Exists(tokenizerJson))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(tokenizerJson));
                foreach (var added in doc.RootElement.GetProperty("added_tokens").EnumerateArray())
                {
                    int id = added.GetProperty("id").GetInt32();
                    vocabulary._ids[added.GetProperty("content").GetString()!] = id;
                    if (added.TryGetProperty("special", out var special) && special.GetBoolean()) vocabulary.SpecialIds.Add(id);
                }
            }
            else if (File.Exists(vocabTxt))
            {
                int id = 0;
                foreach (var line in File.ReadLines(vocabTxt))
                {
                    vocabulary._ids.TryAdd(line, id);
                    if (line.StartsWith('[') && line.EndsWith(']')) vocabulary.SpecialIds.Add(id);
                    id++;
                }
            }
            else
            {
                throw new FileNotFoundException($"{directory}: neither tokenizer.json nor vocab.txt found");
            }
            return vocabulary;
        }

        public int Find(params string[] names)
        {
            foreach (var name in names)
            {
                if (_ids.TryGetValue(name, out int id))
                {
                    SpecialIds.Add(id);
                    return id;
                }
            }
            throw new InvalidDataException($"none of the special tokens {string.Join(", ", names)} is in the vocabulary");
        }
    }
}
