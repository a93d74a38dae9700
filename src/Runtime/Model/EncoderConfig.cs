using EmbedRt.Kernels;
using EmbedRt.Loader.Config;

namespace EmbedRt.Model;

/// <summary>The encoder families EmbedRt runs.</summary>
public enum EncoderFamily
{
    /// <summary>BERT: absolute positions from 0, token type embeddings.</summary>
    Bert,
    /// <summary>RoBERTa / XLM-RoBERTa: positions start at padding_idx + 1 and skip padding tokens.</summary>
    Roberta,
}

/// <summary>The facts of config.json the forward pass needs, validated and in kernel terms.</summary>
public sealed record EncoderConfig
{
    /// <summary>Architecture family.</summary>
    public required EncoderFamily Family { get; init; }
    /// <summary>Hidden size.</summary>
    public required int Hidden { get; init; }
    /// <summary>Number of transformer layers.</summary>
    public required int Layers { get; init; }
    /// <summary>Attention heads.</summary>
    public required int Heads { get; init; }
    /// <summary>Feed-forward inner size.</summary>
    public required int Intermediate { get; init; }
    /// <summary>Feed-forward activation.</summary>
    public required Activation Activation { get; init; }
    /// <summary>LayerNorm epsilon.</summary>
    public required float LayerNormEps { get; init; }
    /// <summary>Rows of the position embedding table.</summary>
    public required int MaxPositionEmbeddings { get; init; }
    /// <summary>Rows of the token type embedding table.</summary>
    public required int TypeVocabSize { get; init; }
    /// <summary>Rows of the word embedding table.</summary>
    public required int VocabSize { get; init; }
    /// <summary>Padding token id (RoBERTa's padding_idx).</summary>
    public required int PadTokenId { get; init; }

    /// <summary>Columns of one head.</summary>
    public int HeadDim => Hidden / Heads;

    /// <summary>The most tokens one input may have, special tokens included, given the position table.</summary>
    public required int MaxTokens { get; init; }

    /// <summary>Maps config.json to the encoder's terms; the config was validated when it was read.</summary>
    public static EncoderConfig From(ModelConfig config) => new()
    {
        Family = config.UsesPaddingOffsetPositions ? EncoderFamily.Roberta : EncoderFamily.Bert,
        Hidden = config.HiddenSize,
        Layers = config.NumHiddenLayers,
        Heads = config.NumAttentionHeads,
        Intermediate = config.IntermediateSize,
        Activation = config.Activation switch
        {
            HiddenActivation.GeluErf => Activation.GeluErf,
            HiddenActivation.GeluTanh => Activation.GeluTanh,
            _ => Activation.Relu,
        },
        LayerNormEps = (float)config.LayerNormEps,
        MaxPositionEmbeddings = config.MaxPositionEmbeddings,
        TypeVocabSize = config.TypeVocabSize,
        VocabSize = config.VocabSize,
        PadTokenId = config.PadTokenId,
        MaxTokens = config.MaxInputTokens,
    };
}
