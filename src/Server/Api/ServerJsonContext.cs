using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EmbedRt.Server.Api;

/// <summary>Source-generated JSON for every body the server reads or writes (no reflection: NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false)] // {"inputs": "a", "inputs": "b"} is refused, as TEI's serde does, not silently "b"
[JsonSerializable(typeof(EmbedRequest))]
[JsonSerializable(typeof(RerankRequest))]
[JsonSerializable(typeof(SimilarityRequest))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(DecodeRequest))]
[JsonSerializable(typeof(float[][]))]
[JsonSerializable(typeof(float[][][]))]
[JsonSerializable(typeof(float[]))]
[JsonSerializable(typeof(SparseValue[][]))]
[JsonSerializable(typeof(Rank[]))]
[JsonSerializable(typeof(SimpleToken[][]))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(Info))]
[JsonSerializable(typeof(OpenAiEmbeddingRequest))]
[JsonSerializable(typeof(OpenAiEmbeddingResponse<float[]>))]
[JsonSerializable(typeof(OpenAiEmbeddingResponse<string>))]
[JsonSerializable(typeof(OpenAiErrorResponse))]
[JsonSerializable(typeof(OpenAiModelList))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;

/// <summary>The server's JSON contract, writing non-ASCII text and characters like ` + &lt; as they are (as TEI's serde does).</summary>
internal static class ServerJson
{
    public static ServerJsonContext Context { get; } = new(new JsonSerializerOptions(ServerJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });
}
