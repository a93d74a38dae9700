using System.Text.Json;

namespace EmbedRt.Loader.Json;

/// <summary>Reads a JSON config file into a <see cref="JsonDocument"/>, turning every failure into a <see cref="ModelFormatException"/>.</summary>
internal static class JsonConfigFile
{
    /// <summary>Config files are small; anything larger than this (64 MiB) is not one.</summary>
    private const long MaxBytes = 64L << 20;

    /// <summary>Parses a required file; missing or malformed is an error naming the file.</summary>
    public static JsonDocument Parse(string path) =>
        TryParse(path) ?? throw new ModelFormatException(path, "file not found");

    /// <summary>Parses an optional file: null when it does not exist, an error naming the file when it is malformed.</summary>
    public static JsonDocument? TryParse(string path)
    {
        if (!ModelFile.Exists(path)) return null;
        var bytes = ModelFile.ReadAllBytes(path, MaxBytes);
        // Editors on Windows may save a byte-order mark, which the JSON reader refuses.
        return StrictJson.Parse(path, bytes.AsMemory(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0));
    }

    /// <summary>The document's root as an object reader; an error when the root is not an object.</summary>
    public static JsonFields RootObject(string path, JsonDocument document)
    {
        if (document.RootElement.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(path, $"expected a JSON object, found a JSON {document.RootElement.ValueKind}");
        return new JsonFields(path, document.RootElement, "");
    }
}
