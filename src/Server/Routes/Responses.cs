using System.Text.Json.Serialization.Metadata;
using EmbedRt.Server.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EmbedRt.Server.Routes;

/// <summary>Which error body a route answers with.</summary>
internal enum ErrorStyle
{
    /// <summary>{"error", "error_type"}.</summary>
    Tei,
    /// <summary>{"error": {"message", "type", "param", "code"}}.</summary>
    OpenAi,
}

/// <summary>Runs route bodies so that any failure becomes a shaped error and a te_request_failure count, never a crash.</summary>
internal static class Responses
{
    public static RequestDelegate Handle(ServerState state, ErrorStyle style, Func<HttpContext, Task> body) => async context =>
    {
        try
        {
            // Decided once, on arrival: a request that came before shutdown began runs to the end, even if its body,
            // tokenization or queue wait outlasts that moment; one that comes after is refused.
            if (state.Catalog.Stopping) throw new ApiException(ErrorType.Unhealthy, "the server is shutting down", "unhealthy");
            await body(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            state.Metrics.RequestFailed("dropped");
        }
        catch (Exception e)
        {
            var error = e as ApiException ?? FromUnexpected(e, state.Logger);
            state.Metrics.RequestFailed(error.MetricLabel);
            if (context.Response.HasStarted) return;
            context.Response.Clear();
            context.Response.StatusCode = error.StatusCode;
            if (style == ErrorStyle.OpenAi)
                await context.Response.WriteAsJsonAsync(ToOpenAi(error), ServerJson.Context.OpenAiErrorResponse, cancellationToken: context.RequestAborted);
            else
                await context.Response.WriteAsJsonAsync(new ErrorResponse(error.Message, error.Type.ToString()), ServerJson.Context.ErrorResponse,
                    cancellationToken: context.RequestAborted);
        }
    };

    public static Task WriteAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type) =>
        context.Response.WriteAsJsonAsync(value, type, cancellationToken: context.RequestAborted);

    /// <summary>An input the library refused is the client's error (422); anything else failed in the backend (424).</summary>
    private static ApiException FromUnexpected(Exception e, ILogger logger)
    {
        if (e is ArgumentException) return ApiException.Invalid($"Input validation error: {e.Message}");
        logger.LogError(e, "request failed");
        return new ApiException(ErrorType.Backend, $"Inference failed: {e.GetType().Name}: {e.Message}", "inference");
    }

    private static OpenAiErrorResponse ToOpenAi(ApiException error)
    {
        string type = error.Type switch
        {
            ErrorType.Overloaded => "rate_limit_error",
            ErrorType.Backend => "server_error",
            ErrorType.Unhealthy => "service_unavailable",
            _ => "invalid_request_error",
        };
        return new OpenAiErrorResponse(new OpenAiError(error.Message, type, error.Param, error.MetricLabel));
    }
}
