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
            throw ApiException.Invalid(Describe(e));
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

    /// <summary>
    /// As TEI's serde words it: the field, what JSON was expected there, and where. System.Text.Json names .NET
    /// types instead ("could not be converted to System.Nullable`1[System.Int32]"), which say nothing to a client.
    /// </summary>
    internal static string Describe(JsonException e)
    {
        string message = e.Message;
        int tail = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (tail >= 0) message = message[..tail];
        const string conversion = "The JSON value could not be converted to ";
        if (message.StartsWith(conversion, StringComparison.Ordinal)) message = "expected " + Expected(message[conversion.Length..].TrimEnd('.'));
        string field = e.Path is { Length: > 2 } path ? path[2..] + ": " : ""; // "$.truncate" → "truncate: "
        string at = e.LineNumber is { } line ? $" at line {line + 1} column {e.BytePositionInLine + 1}" : "";
        return $"Failed to deserialize the JSON body into the target type: {field}{message}{at}";
    }

    private static string Expected(string type)
    {
        const string nullable = "System.Nullable`1[";
        if (type.StartsWith(nullable, StringComparison.Ordinal)) type = type[nullable.Length..^1];
        return type switch
        {
            "System.Boolean" => "a boolean",
            "System.String" => "a string",
            "System.Int32" or "System.Int64" or "System.UInt32" or "System.UInt64" => "an integer",
            "System.Single" or "System.Double" => "a number",
            _ when type.EndsWith("[]", StringComparison.Ordinal) || type.Contains("List`1", StringComparison.Ordinal) => "a sequence",
            _ => "an object",
        };
    }
}
