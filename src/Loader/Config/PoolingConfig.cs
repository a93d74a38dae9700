using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Config;

/// <summary>A sentence-transformers Pooling module's config.json (usually 1_Pooling/config.json).</summary>
public sealed record PoolingConfig
{
    /// <summary>word_embedding_dimension: width of the token embeddings being pooled.</summary>
    public int WordEmbeddingDimension { get; init; }

    /// <summary>pooling_mode_cls_token: take the first token.</summary>
    public bool PoolingModeClsToken { get; init; }

    /// <summary>pooling_mode_mean_tokens: average over non-padding tokens.</summary>
    public bool PoolingModeMeanTokens { get; init; }

    /// <summary>pooling_mode_max_tokens: element-wise maximum over non-padding tokens.</summary>
    public bool PoolingModeMaxTokens { get; init; }

    /// <summary>pooling_mode_mean_sqrt_len_tokens: sum divided by √(token count).</summary>
    public bool PoolingModeMeanSqrtLenTokens { get; init; }

    /// <summary>pooling_mode_weightedmean_tokens: position-weighted mean.</summary>
    public bool PoolingModeWeightedmeanTokens { get; init; }

    /// <summary>pooling_mode_lasttoken: take the last non-padding token.</summary>
    public bool PoolingModeLasttoken { get; init; }

    /// <summary>include_prompt: whether prompt tokens take part in pooling (default true).</summary>
    public bool IncludePrompt { get; init; } = true;

    /// <summary>
    /// Reads a pooling config.json; throws <see cref="ModelFormatException"/> naming the file and field when it is missing,
    /// malformed, lacks a positive word_embedding_dimension, or enables no pooling mode.
    /// </summary>
    public static PoolingConfig Load(string configJsonPath)
    {
        using var document = JsonConfigFile.Parse(configJsonPath);
        var fields = JsonConfigFile.RootObject(configJsonPath, document);
        var config = new PoolingConfig
        {
            WordEmbeddingDimension = fields.RequiredPositiveInt("word_embedding_dimension"),
            PoolingModeClsToken = fields.OptionalBool("pooling_mode_cls_token") ?? false,
            PoolingModeMeanTokens = fields.OptionalBool("pooling_mode_mean_tokens") ?? false,
            PoolingModeMaxTokens = fields.OptionalBool("pooling_mode_max_tokens") ?? false,
            PoolingModeMeanSqrtLenTokens = fields.OptionalBool("pooling_mode_mean_sqrt_len_tokens") ?? false,
            PoolingModeWeightedmeanTokens = fields.OptionalBool("pooling_mode_weightedmean_tokens") ?? false,
            PoolingModeLasttoken = fields.OptionalBool("pooling_mode_lasttoken") ?? false,
            IncludePrompt = fields.OptionalBool("include_prompt") ?? true,
        };
        if (!(config.PoolingModeClsToken || config.PoolingModeMeanTokens || config.PoolingModeMaxTokens
              || config.PoolingModeMeanSqrtLenTokens || config.PoolingModeWeightedmeanTokens || config.PoolingModeLasttoken))
            throw new ModelFormatException(configJsonPath, "no pooling_mode_* field is true");
        return config;
    }
}
