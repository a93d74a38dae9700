using EmbedRt.Cli.Input;
using EmbedRt.Loader;
using EmbedRt.Loader.Config;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Loader.Torch;
using EmbedRt.Tokenization;
using EmbedRt.Tokenization.Loading;

namespace EmbedRt.Fuzz;

/// <summary>
/// The fuzz targets: each takes one input, feeds it to a reader the way a model folder would, and lets only the
/// typed error (<see cref="ModelFormatException"/>) through as expected. Anything else escaping — another
/// exception type, a crash, a hang — is a finding. The same entry points replay the committed corpus in CI.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Every target by name (also the corpus folder's name).</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["safetensors"] = Safetensors,
        ["safetensors-index"] = SafetensorsIndex,
        ["config"] = Configs,
        ["tokenizer-json"] = input => Tokenizer("tokenizer.json", input),
        ["vocab-txt"] = input => Tokenizer("vocab.txt", input),
        ["sentencepiece"] = input => Tokenizer("sentencepiece.bpe.model", input),
        ["pickle"] = Pickle,
        ["torch-zip"] = TorchZip,
        ["jsonl"] = JsonLines,
    };

    /// <summary>
    /// Runs a target on one input; returns whether the input was accepted (false: refused with the typed error of
    /// its reader: <see cref="ModelFormatException"/> for model files, the CLI's InputException for JSON Lines).
    /// </summary>
    public static bool Run(string target, byte[] input)
    {
        try
        {
            All[target](input);
            return true;
        }
        catch (Exception e) when (e is ModelFormatException or InputException)
        {
            return false;
        }
    }

    private static void Safetensors(byte[] input)
    {
        var path = Scratch.Write("model.safetensors", input);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        foreach (var (name, entry) in checkpoint.Tensors)
        {
            if (!TensorDTypes.IsReadableAsFloat(entry.DType)) continue;
            var shape = Array.ConvertAll(entry.Shape, d => (int)Math.Min(d, int.MaxValue));
            checkpoint.ReadFloat(name, shape);
            checkpoint.ReadHalf(name, shape);
        }
    }

    private static void SafetensorsIndex(byte[] input)
    {
        var folder = Scratch.Folder;
        Scratch.Remove("model.safetensors");
        SafetensorsWriter.Write(Path.Combine(folder, "shard.safetensors"), [new("w", TensorData.FromFloats([1f, 2f], [2]))]);
        Scratch.Write(SafetensorsCheckpoint.IndexFileName, input);
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(folder);
        foreach (var name in checkpoint.Tensors.Keys) checkpoint.ReadFloatAnyShape(name);
    }

    /// <summary>The first byte picks the file; the rest is its content, the other files of the folder being valid.</summary>
    private static void Configs(byte[] input)
    {
        if (input.Length == 0) return;
        var content = input[1..];
        var folder = Scratch.Folder;
        Scratch.WriteText("modules.json", """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}]""");
        Scratch.WriteText("sentence_bert_config.json", """{"max_seq_length":128,"do_lower_case":false}""");
        Scratch.WriteText("config_sentence_transformers.json", """{"prompts":{"query":"q: "},"default_prompt_name":null}""");
        Scratch.WriteText("1_Pooling/config.json", """{"word_embedding_dimension":8,"pooling_mode_cls_token":true}""");
        Scratch.WriteText("tokenizer_config.json", """{"do_lower_case":true,"model_max_length":512}""");
        Scratch.WriteText("special_tokens_map.json", """{"unk_token":"[UNK]"}""");
        string[] files = ["config.json", "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json", "1_Pooling/config.json", "tokenizer_config.json", "special_tokens_map.json"];
        string file = files[input[0] % files.Length];
        Scratch.Write(file, content);
        switch (file)
        {
            case "config.json":
                ModelConfig.Load(Path.Combine(folder, file));
                break;
            case "1_Pooling/config.json":
                PoolingConfig.Load(Path.Combine(folder, file));
                SentenceTransformersConfig.Load(folder);
                break;
            case "tokenizer_config.json" or "special_tokens_map.json":
                Loader.Config.TokenizerConfig.Load(folder);
                Tokenization.Loading.TokenizerConfig.Read(folder);
                break;
            default:
                SentenceTransformersConfig.Load(folder);
                break;
        }
    }

    private static readonly string[] Texts = ["Hello, World! 你好 ÀÉÎ", "a\u0301 \u00a0x\ttab [MASK] <mask> tok", ""];

    /// <summary>A tokenizer file alone in the folder; a tokenizer that loads must encode anything without throwing.</summary>
    private static void Tokenizer(string fileName, byte[] input)
    {
        foreach (var other in new[] { "tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json" })
            Scratch.Remove(other);
        Scratch.Write(fileName, input);
        var tokenizer = TextTokenizer.Load(Scratch.Folder);
        foreach (var text in Texts)
        {
            tokenizer.Encode(text);
            tokenizer.Encode(text, "pair " + text, maxLength: Math.Max(tokenizer.SpecialTokenCount(pair: true), 5));
        }
        if (tokenizer is Tokenization.Pipeline.PipelineTokenizer pipeline && pipeline.VocabularySize <= 0)
            throw new InvalidOperationException("a loaded tokenizer has no ids");
    }

    private static void Pickle(byte[] input) => RestrictedUnpickler.Load(input, "data.pkl");

    /// <summary>The CLI's JSON Lines reader with the line format of each command, picked by the first byte.</summary>
    private static void JsonLines(byte[] input)
    {
        if (input.Length == 0) return;
        using var stream = new MemoryStream(input, 1, input.Length - 1);
        switch (input[0] % 3)
        {
            case 0:
                foreach (var record in JsonLinesReader.Read(stream, InputParsers.TextOrPair)) _ = record.Text.Length;
                break;
            case 1:
                foreach (var text in JsonLinesReader.Read(stream, InputParsers.Text)) _ = text.Length;
                break;
            default: // rerank's line: {"query": "...", "texts": [...]}
                foreach (var (query, texts) in JsonLinesReader.Read(stream, line =>
                {
                    line.ExpectObject("an object with \"query\" and \"texts\"", "query", "texts");
                    return (line.RequiredString("query"), line.RequiredStrings("texts"));
                }))
                    _ = query.Length + texts.Length;
                break;
        }
    }

    private static void TorchZip(byte[] input)
    {
        var path = Scratch.Write("head.pt", input);
        var expectation = new TensorExpectation(new Dictionary<string, long[]> { ["weight"] = [-1, 64], ["bias"] = [-1] }, 65L * 65536);
        TorchStateDict.Load(path, expectation);
    }
}

/// <summary>One scratch model folder per process (in memory where /dev/shm exists), reused by every input.</summary>
internal static class Scratch
{
    public static string Folder { get; } = Create();

    public static string Write(string relative, byte[] content)
    {
        var path = Path.Combine(Folder, relative);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static void WriteText(string relative, string content) => File.WriteAllText(Path.Combine(Folder, relative), content);

    public static void Remove(string relative) => File.Delete(Path.Combine(Folder, relative));

    private static string Create()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        var folder = Path.Combine(root, $"embedrt-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        };
        return folder;
    }
}
