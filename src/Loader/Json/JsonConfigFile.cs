using System.Text.Json;

namespace EmbedRt.Loader.Json;

/// <summary>Reads a JSON config file into a <see cref="JsonDocument"/>, turning every failure into a <see cref="ModelFormatException"/>.</summary>
internal static class JsonConfigFile
{
    /// <summary>Parses a required file; missing or malformed is an error naming the file.</summary>
    public static JsonDocument Parse(string path) =>
        TryParse(path) ?? throw new ModelFormatException(path, "file not found");

    /// <summary>Parses an optional file: null when it does not exist, an error naming the file when it is malformed.</summary>
    public static JsonDocument? TryParse(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException ex)
        {
            // The reader's message carries the line number and byte position.
            throw new ModelFormatException(path, $"not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The document's root as an object reader; an error when the root is not an object.</summary>
    public static JsonFields RootObject(string path, JsonDocument document)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"expected a JSON object, found a JSON {document.RootElement.ValueKind}");
        return new JsonFields(path, document.RootElement, "");
    }
}
