using System.Text.Json;

namespace EmbedRt.Server.Api;

// OpenAI's embeddings API (POST /v1/embeddings), snake_case on the wire.

/// <summary>The request: input is a string, a list of strings, a token list, or a list of token lists.</summary>
internal sealed class OpenAiEmbeddingRequest
{
    public JsonElement Input { get; set; }
    public string? Model { get; set; }
    public string? EncodingFormat { get; set; }
    public int? Dimensions { get; set; }
    public string? User { get; set; }
}

/// <summary>The answer; TEmbedding is float[] (encoding_format float) or string (base64 little-endian float32).</summary>
internal sealed record OpenAiEmbeddingResponse<TEmbedding>(string Object, IReadOnlyList<OpenAiEmbedding<TEmbedding>> Data, string Model, OpenAiUsage Usage);

/// <summary>One input's vector.</summary>
internal sealed record OpenAiEmbedding<TEmbedding>(string Object, TEmbedding Embedding, int Index);

/// <summary>Tokens counted for the request.</summary>
internal sealed record OpenAiUsage(int PromptTokens, int TotalTokens);

/// <summary>OpenAI's error envelope.</summary>
internal sealed record OpenAiErrorResponse(OpenAiError Error);

/// <summary>OpenAI's error body.</summary>
internal sealed record OpenAiError(string Message, string Type, string? Param, string? Code);

/// <summary>GET /v1/models.</summary>
internal sealed record OpenAiModelList(string Object, IReadOnlyList<OpenAiModel> Data);

/// <summary>One served model.</summary>
internal sealed record OpenAiModel(string Id, string Object, long Created, string OwnedBy);
