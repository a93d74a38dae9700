// CONTRACT (to be implemented by the loader work; signatures are what Runtime codes against).
namespace EmbedRt.Loader.Config;

/// <summary>config.json of a Hugging Face BERT / XLM-R checkpoint (keys as in the file).</summary>
public sealed record ModelConfig
{
    public required string ModelType { get; init; }              // model_type: bert | xlm-roberta | roberta
    public IReadOnlyList<string> Architectures { get; init; } = [];
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public string HiddenAct { get; init; } = "gelu";
    public double LayerNormEps { get; init; } = 1e-12;
    public required int MaxPositionEmbeddings { get; init; }
    public int TypeVocabSize { get; init; } = 2;
    public required int VocabSize { get; init; }
    public int PadTokenId { get; init; }
    public string PositionEmbeddingType { get; init; } = "absolute";
    public IReadOnlyDictionary<string, string> Id2Label { get; init; } = new Dictionary<string, string>();
    public static ModelConfig Load(string configJsonPath) => throw new NotImplementedException();
}

/// <summary>1_Pooling/config.json.</summary>
public sealed record PoolingConfig
{
    public int WordEmbeddingDimension { get; init; }
    public bool PoolingModeClsToken { get; init; }
    public bool PoolingModeMeanTokens { get; init; }
    public bool PoolingModeMaxTokens { get; init; }
    public bool PoolingModeMeanSqrtLenTokens { get; init; }
    public bool PoolingModeWeightedmeanTokens { get; init; }
    public bool PoolingModeLasttoken { get; init; }
    public bool IncludePrompt { get; init; } = true;
}

/// <summary>The sentence-transformers files of a folder: modules.json, the pooling module, sentence_bert_config.json, a Normalize module, config_sentence_transformers.json.</summary>
public sealed record SentenceTransformersConfig
{
    public IReadOnlyList<string> ModuleTypes { get; init; } = [];
    public PoolingConfig? Pooling { get; init; }
    public int? MaxSeqLength { get; init; }
    public bool Normalize { get; init; }
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();
    public string? DefaultPromptName { get; init; }
    /// <summary>Reads the folder's sentence-transformers files; null when it has no modules.json.</summary>
    public static SentenceTransformersConfig? Load(string directory) => throw new NotImplementedException();
}

/// <summary>tokenizer_config.json merged with special_tokens_map.json.</summary>
public sealed record TokenizerConfig
{
    public string? TokenizerClass { get; init; }
    public bool? DoLowerCase { get; init; }
    public bool? StripAccents { get; init; }
    public bool? TokenizeChineseChars { get; init; }
    public long? ModelMaxLength { get; init; }
    public string? ClsToken { get; init; }
    public string? SepToken { get; init; }
    public string? PadToken { get; init; }
    public string? UnkToken { get; init; }
    public string? MaskToken { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    /// <summary>Reads tokenizer_config.json and special_tokens_map.json in a folder (either may be absent).</summary>
    public static TokenizerConfig Load(string directory) => throw new NotImplementedException();
}
