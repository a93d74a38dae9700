using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace EmbedRt.Server.Api;

/// <summary>Reads a JSON request body with the source-generated contract; malformed, oversized or stalled bodies become API errors.</summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, long payloadLimit) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted)
                ?? throw ApiException.Invalid("the request body is null; a JSON object is expected");
        }
        catch (JsonException e)
        {
            throw ApiException.Invalid($"Failed to deserialize the JSON body: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiException(ErrorType.Validation, $"the request body is over the payload limit of {payloadLimit} bytes", "payload_limit")
            {
                StatusOverride = StatusCodes.Status413PayloadTooLarge,
            };
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel ended the body: too slow (its minimum data rate, 408) or malformed framing (400).
            bool timeout = e.StatusCode == StatusCodes.Status408RequestTimeout;
            throw new ApiException(ErrorType.Validation, $"the request body could not be read: {e.Message}", timeout ? "timeout" : "bad_request")
            {
                StatusOverride = e.StatusCode,
            };
        }
    }
}
