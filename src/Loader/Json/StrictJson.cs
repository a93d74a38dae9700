using System.Text.Json;
using System.Text.Unicode;

namespace EmbedRt.Loader.Json;

/// <summary>
/// Parses JSON so that every later read of the document succeeds: <see cref="JsonDocument"/> only checks UTF-8 and
/// \u escapes when a string is materialized, so both are checked here, up front, as format errors.
/// </summary>
internal static class StrictJson
{
    /// <param name="filePath">The file, for messages.</param>
    /// <param name="json">The UTF-8 JSON text, without a byte-order mark.</param>
    /// <param name="subject">What the text is, e.g. "safetensors header"; null when it is the whole file.</param>
    /// <param name="options">Reader options (e.g. trailing commas, which tokenizer files may have).</param>
    public static JsonDocument Parse(string filePath, ReadOnlyMemory<byte> json, string? subject = null, JsonDocumentOptions options = default)
    {
        var prefix = subject is null ? "" : subject + " is ";
        if (!Utf8.IsValid(json.Span)) throw new ModelFormatException(filePath, $"{prefix}not valid UTF-8");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, options);
        }
        catch (JsonException ex)
        {
            // The reader's message carries the line number and byte position.
            throw new ModelFormatException(filePath, $"{prefix}not valid JSON: {ex.Message}", ex);
        }

        try
        {
            CheckStrings(document.RootElement);
        }
        catch (InvalidOperationException ex)
        {
            document.Dispose();
            throw new ModelFormatException(filePath, $"{prefix}not valid JSON: a string has an invalid \\u escape ({ex.Message})", ex);
        }
        return document;
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) CheckStrings(item);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }
                break;
        }
    }
}
