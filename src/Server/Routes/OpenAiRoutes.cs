using System.Runtime.InteropServices;
using EmbedRt.Server.Api;
using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmbedRt.Server.Routes;

/// <summary>OpenAI's POST /v1/embeddings (also /embeddings, as TEI) and GET /v1/models; the model is the request's "model".</summary>
internal static class OpenAiRoutes
{
    public static void Map(IEndpointRouteBuilder routes, ServerState state)
    {
        var embeddings = Responses.Handle(state, ErrorStyle.OpenAi, context => Embeddings(context, state));
        routes.MapPost("/v1/embeddings", embeddings);
        routes.MapPost("/embeddings", embeddings);
        routes.MapGet("/v1/models", Responses.Handle(state, ErrorStyle.OpenAi, context =>
        {
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var models = state.Catalog.Names.Select(name => new OpenAiModel(name, "model", created, "embedrt")).ToArray();
            return Responses.WriteAsync(context, new OpenAiModelList("list", models), ServerJson.Context.OpenAiModelList);
        }));
    }

    private static async Task Embeddings(HttpContext context, ServerState state)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.OpenAiEmbeddingRequest, state.Options.PayloadLimit);
        bool base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw ApiException.Invalid($"`encoding_format` must be `float` or `base64`, not `{request.EncodingFormat}`", "encoding_format"),
        };
        if (request.Dimensions is < 1) throw ApiException.Invalid($"`dimensions` must be at least 1, got {request.Dimensions}", "dimensions");
        bool batch = InputParser.IsBatch(request.Input);
        state.Metrics.RequestStarted(batch);
        var inputs = InputParser.Parse(request.Input, "input");
        var model = state.Catalog.Get(request.Model);
        RequestChecks.BatchSize(state.Options, inputs.Length);
        using var admission = RequestChecks.Admit(model, inputs.Length);
        var timings = new RequestTimings();
        var options = new TextOptions(state.Options.AutoTruncate, PromptName: null, Normalize: true);
        var result = await model.EmbedAsync(inputs, options, timings, context.RequestAborted);
        var vectors = Matryoshka.Truncate(result.Outputs, request.Dimensions, normalize: true, "dimensions");
        state.Metrics.RequestSucceeded(batch, timings, result.Tokens);
        RequestChecks.TimingHeaders(context, timings, result.Tokens, RequestChecks.Characters(inputs));
        var usage = new OpenAiUsage(result.Tokens, result.Tokens);
        if (base64)
        {
            var data = vectors.Select((v, i) => new OpenAiEmbedding<string>("embedding", Base64(v), i)).ToArray();
            await Responses.WriteAsync(context, new OpenAiEmbeddingResponse<string>("list", data, model.Name, usage),
                ServerJson.Context.OpenAiEmbeddingResponseString);
        }
        else
        {
            var data = vectors.Select((v, i) => new OpenAiEmbedding<float[]>("embedding", v, i)).ToArray();
            await Responses.WriteAsync(context, new OpenAiEmbeddingResponse<float[]>("list", data, model.Name, usage),
                ServerJson.Context.OpenAiEmbeddingResponseSingleArray);
        }
    }

    /// <summary>The vector as little-endian float32 bytes in base64 (what OpenAI's clients decode).</summary>
    private static string Base64(float[] vector)
    {
        if (!BitConverter.IsLittleEndian)
            vector = vector.Select(x => BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(x)))).ToArray();
        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()));
    }
}
