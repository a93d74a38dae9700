using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Config;

/// <summary>config.json of a Hugging Face BERT / XLM-RoBERTa / RoBERTa checkpoint, validated for an encoder forward pass.</summary>
public sealed record ModelConfig
{
    /// <summary>The config file name in a model folder.</summary>
    public const string FileName = "config.json";

    /// <summary>model_type: "bert", "xlm-roberta" or "roberta".</summary>
    public required string ModelType { get; init; }

    /// <summary>architectures, e.g. "BertModel", "XLMRobertaForSequenceClassification" (empty when absent).</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary>hidden_size: width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>num_hidden_layers: encoder layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>num_attention_heads; divides <see cref="HiddenSize"/>.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>intermediate_size: feed-forward width.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>hidden_act as written in the file (default "gelu"); see <see cref="Activation"/>.</summary>
    public string HiddenAct { get; init; } = "gelu";

    /// <summary>The activation <see cref="HiddenAct"/> names.</summary>
    public HiddenActivation Activation { get; init; } = HiddenActivation.GeluErf;

    /// <summary>layer_norm_eps (default 1e-12).</summary>
    public double LayerNormEps { get; init; } = 1e-12;

    /// <summary>max_position_embeddings: rows of the position embedding table.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>type_vocab_size: rows of the token type embedding table (default 2; 1 for XLM-R).</summary>
    public int TypeVocabSize { get; init; } = 2;

    /// <summary>vocab_size: rows of the word embedding table.</summary>
    public required int VocabSize { get; init; }

    /// <summary>pad_token_id (default 0). RoBERTa-family models number positions from pad_token_id + 1.</summary>
    public int PadTokenId { get; init; }

    /// <summary>position_embedding_type; only "absolute" is supported.</summary>
    public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>id2label: class index (as text) → label, for classification heads (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Id2Label { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether positions are numbered from pad_token_id + 1 (xlm-roberta, roberta) rather than 0 (bert).</summary>
    public bool UsesPaddingOffsetPositions => ModelType != "bert";

    /// <summary>The longest input, special tokens included, the position table can hold.</summary>
    public int MaxInputTokens => UsesPaddingOffsetPositions ? MaxPositionEmbeddings - PadTokenId - 1 : MaxPositionEmbeddings;

    /// <summary>Width of one attention head, <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// Reads and validates config.json; throws <see cref="ModelFormatException"/> naming the file and field when it is
    /// missing, malformed, describes an unsupported model (model_type, hidden_act, position_embedding_type) or is
    /// inconsistent (hidden_size not divisible by num_attention_heads, pad_token_id outside the vocabulary, ...).
    /// </summary>
    public static ModelConfig Load(string configJsonPath)
    {
        using var document = JsonConfigFile.Parse(configJsonPath);
        var fields = JsonConfigFile.RootObject(configJsonPath, document);

        var modelType = fields.RequiredString("model_type");
        if (modelType is not ("bert" or "xlm-roberta" or "roberta"))
            throw new ModelFormatException(configJsonPath, $"unsupported model_type '{modelType}' (supported: bert, xlm-roberta, roberta)");

        var hiddenAct = fields.OptionalString("hidden_act") ?? "gelu";
        var activation = ParseActivation(hiddenAct)
            ?? throw fields.Error("hidden_act", $"names unsupported activation '{hiddenAct}' (supported: gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, relu)");

        var positionType = fields.OptionalString("position_embedding_type") ?? "absolute";
        if (positionType != "absolute")
            throw fields.Error("position_embedding_type", $"is '{positionType}'; only 'absolute' is supported");

        int hiddenSize = fields.RequiredPositiveInt("hidden_size");
        int heads = fields.RequiredPositiveInt("num_attention_heads");
        if (hiddenSize % heads != 0)
            throw fields.Error("hidden_size", $"{hiddenSize} is not divisible by num_attention_heads {heads}");

        int vocabSize = fields.RequiredPositiveInt("vocab_size");
        long padTokenId = fields.OptionalInteger("pad_token_id") ?? 0;
        if (padTokenId < 0 || padTokenId >= vocabSize)
            throw fields.Error("pad_token_id", $"{padTokenId} is outside the vocabulary of {vocabSize} tokens");

        int maxPositions = fields.RequiredPositiveInt("max_position_embeddings");
        if (modelType != "bert" && maxPositions <= padTokenId + 1)
            throw fields.Error("max_position_embeddings",
                $"{maxPositions} leaves no positions: {modelType} numbers positions from pad_token_id + 1 = {padTokenId + 1}");

        double eps = fields.OptionalNumber("layer_norm_eps") ?? 1e-12;
        if (eps <= 0) throw fields.Error("layer_norm_eps", $"must be positive, got {eps}");

        return new ModelConfig
        {
            ModelType = modelType,
            Architectures = fields.OptionalStringList("architectures"),
            HiddenSize = hiddenSize,
            NumHiddenLayers = fields.RequiredPositiveInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            IntermediateSize = fields.RequiredPositiveInt("intermediate_size"),
            HiddenAct = hiddenAct,
            Activation = activation,
            LayerNormEps = eps,
            MaxPositionEmbeddings = maxPositions,
            TypeVocabSize = fields.OptionalPositiveInt("type_vocab_size") ?? 2,
            VocabSize = vocabSize,
            PadTokenId = (int)padTokenId,
            PositionEmbeddingType = positionType,
            Id2Label = ReadId2Label(fields),
        };
    }

    private static HiddenActivation? ParseActivation(string name) => name switch
    {
        "gelu" or "gelu_python" => HiddenActivation.GeluErf,
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => HiddenActivation.GeluTanh,
        "relu" => HiddenActivation.Relu,
        _ => null,
    };

    private static IReadOnlyDictionary<string, string> ReadId2Label(JsonFields fields)
    {
        var labels = fields.OptionalStringMap("id2label");
        foreach (var key in labels.Keys)
        {
            if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                throw fields.Error("id2label", $"has key '{key}' that is not a class index");
        }
        return labels;
    }
}
