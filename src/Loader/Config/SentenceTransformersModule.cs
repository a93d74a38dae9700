namespace EmbedRt.Loader.Config;

/// <summary>One entry of modules.json.</summary>
/// <param name="Name">name, e.g. "1".</param>
/// <param name="Type">type, e.g. "sentence_transformers.models.Pooling".</param>
/// <param name="Path">path of the module's folder relative to the model folder ("" for the model folder itself).</param>
public sealed record SentenceTransformersModule(string Name, string Type, string Path)
{
    /// <summary>The Transformer module type.</summary>
    public const string TransformerType = "sentence_transformers.models.Transformer";

    /// <summary>The Pooling module type.</summary>
    public const string PoolingType = "sentence_transformers.models.Pooling";

    /// <summary>The Normalize module type.</summary>
    public const string NormalizeType = "sentence_transformers.models.Normalize";
}
