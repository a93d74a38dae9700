using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmbedRt.Server.Api;

// Bodies of text-embeddings-inference's routes (router/src/http/types.rs), snake_case on the wire.
// "inputs" fields stay JsonElement: TEI accepts a string, a token id list, or a list of either (see InputParser).

/// <summary>POST /embed, /embed_sparse, /embed_all.</summary>
internal sealed class EmbedRequest
{
    public JsonElement Inputs { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public string? PromptName { get; set; }
    public bool Normalize { get; set; } = true;
    public int? Dimensions { get; set; }
}

/// <summary>One non-zero entry of a sparse vector (/embed_sparse).</summary>
internal sealed record SparseValue(int Index, float Value);

/// <summary>POST /rerank.</summary>
internal sealed class RerankRequest
{
    public string? Query { get; set; }
    public List<string>? Texts { get; set; }
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public bool RawScores { get; set; }
    public bool ReturnText { get; set; }
}

/// <summary>One passage's score (/rerank), best first.</summary>
internal sealed record Rank(int Index, string? Text, float Score);

/// <summary>POST /similarity.</summary>
internal sealed class SimilarityRequest
{
    public SimilarityInput? Inputs { get; set; }
    public SimilarityParameters? Parameters { get; set; }
}

/// <summary>The sentence to compare and those to compare it with.</summary>
internal sealed class SimilarityInput
{
    public string? SourceSentence { get; set; }
    public List<string>? Sentences { get; set; }
}

/// <summary>Optional settings of /similarity.</summary>
internal sealed class SimilarityParameters
{
    public bool? Truncate { get; set; }
    public string? TruncationDirection { get; set; }
    public string? PromptName { get; set; }
}

/// <summary>POST /tokenize.</summary>
internal sealed class TokenizeRequest
{
    public JsonElement Inputs { get; set; }
    public bool AddSpecialTokens { get; set; } = true;
    public string? PromptName { get; set; }
}

/// <summary>
/// One token of /tokenize's answer, as TEI's: a text token's <c>text</c> is its slice of the input (prompt included)
/// and start/stop are UTF-8 byte offsets in it; a special token of the template has its token string and null
/// offsets (written as null, not left out).
/// </summary>
internal sealed record SimpleToken(int Id, string Text, bool Special,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Start,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] int? Stop);

/// <summary>POST /decode.</summary>
internal sealed class DecodeRequest
{
    public JsonElement Ids { get; set; }
    public bool SkipSpecialTokens { get; set; } = true;
}

/// <summary>TEI's error body.</summary>
internal sealed record ErrorResponse(string Error, string ErrorType);

/// <summary>GET /info.</summary>
internal sealed record Info(
    string ModelId,
    string? ModelSha,
    string ModelDtype,
    string ServedModelName,
    ModelTypeInfo ModelType,
    int MaxConcurrentRequests,
    int MaxInputLength,
    int MaxBatchTokens,
    int? MaxBatchRequests,
    int MaxClientBatchSize,
    bool AutoTruncate,
    int TokenizationWorkers,
    string Version,
    string? Sha,
    string? DockerLabel);

/// <summary>TEI's externally tagged model type: {"embedding": {...}} or {"reranker": {...}}.</summary>
internal sealed record ModelTypeInfo(EmbeddingTypeInfo? Embedding, ClassifierTypeInfo? Reranker);

/// <summary>An embedding model's pooling ("cls", "mean").</summary>
internal sealed record EmbeddingTypeInfo(string Pooling);

/// <summary>A classifier's labels.</summary>
internal sealed record ClassifierTypeInfo(IReadOnlyDictionary<string, string> Id2label, IReadOnlyDictionary<string, int> Label2id);
