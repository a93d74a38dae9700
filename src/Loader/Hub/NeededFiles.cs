using System.Text.RegularExpressions;

namespace EmbedRt.Loader.Hub;

/// <summary>
/// The files of a model repository that EmbedRt reads: config, tokenizer and sentence-transformers files, the
/// safetensors weights (single or sharded), BGE-M3's heads and the module folders (1_Pooling, ...). ONNX,
/// OpenVINO, PyTorch .bin and TensorFlow copies, READMEs and images are left on the hub.
/// </summary>
internal static partial class NeededFiles
{
    private static readonly HashSet<string> TopLevel =
    [
        "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.txt", "sentencepiece.bpe.model", "modules.json", "sentence_bert_config.json",
        "config_sentence_transformers.json", "model.safetensors", "model.safetensors.index.json",
        "sparse_linear.pt", "sparse_linear.safetensors", "colbert_linear.pt", "colbert_linear.safetensors",
    ];

    public static IReadOnlyList<HubFile> Select(IReadOnlyList<HubFile> files)
    {
        bool single = files.Any(f => f.Path == "model.safetensors");
        return files.Where(f => TopLevel.Contains(f.Path)
                || (!single && ShardPattern().IsMatch(f.Path))
                || ModulePattern().IsMatch(f.Path))
            .ToList();
    }

    [GeneratedRegex(@"^model-\d+-of-\d+\.safetensors$")]
    private static partial Regex ShardPattern();

    [GeneratedRegex(@"^\d+_[A-Za-z]+/[^/]+\.(json|safetensors)$")]
    private static partial Regex ModulePattern();
}
