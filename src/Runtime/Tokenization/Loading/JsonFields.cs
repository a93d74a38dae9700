using System.Text.Json;
using EmbedRt.Loader;

namespace EmbedRt.Tokenization.Loading;

/// <summary>Typed reads of JSON fields that fail with a ModelFormatException naming the file and the field.</summary>
internal sealed class JsonFields(string filePath)
{
    public string FilePath { get; } = filePath;

    /// <summary>
    /// Parses the file with every string checked up front (UTF-8 and \u escapes), so no later read of a field
    /// throws anything but a <see cref="ModelFormatException"/> (a fuzzing find: invalid UTF-8 inside a string
    /// escaped as InvalidOperationException).
    /// </summary>
    public JsonDocument Parse() =>
        Loader.Json.StrictJson.Parse(FilePath, ModelFile.ReadAllBytes(FilePath), options: new JsonDocumentOptions { AllowTrailingCommas = true });

    public ModelFormatException Error(string field, string problem) => new(FilePath, $"{field}: {problem}");

    public JsonElement? Optional(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value : null;

    public JsonElement Required(JsonElement parent, string name, string path) =>
        Optional(parent, name) ?? throw Error(Join(path, name), "missing");

    public bool Bool(JsonElement parent, string name, string path, bool fallback) => Optional(parent, name) switch
    {
        null => fallback,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Error(Join(path, name), "expected true or false"),
    };

    public bool? NullableBool(JsonElement parent, string name, string path) =>
        Optional(parent, name) is null ? null : Bool(parent, name, path, false);

    public string? String(JsonElement parent, string name, string path) => Optional(parent, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw Error(Join(path, name), "expected a string"),
    };

    public int Int(JsonElement parent, string name, string path, int? fallback = null)
    {
        var value = Optional(parent, name);
        if (value is null) return fallback ?? throw Error(Join(path, name), "missing");
        if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetInt32(out int result))
            throw Error(Join(path, name), "expected an integer");
        return result;
    }

    public int Int(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result) ? result : throw Error(path, "expected an integer");

    public double Double(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Error(path, "expected a number");

    public string String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error(path, "expected a string");

    public JsonElement.ArrayEnumerator Array(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw Error(path, "expected an array");

    public JsonElement.ObjectEnumerator Object(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? value.EnumerateObject() : throw Error(path, "expected an object");

    /// <summary>A special token given as "text" or as {"content": "text", ...}.</summary>
    public string? TokenContent(JsonElement parent, string name) => Optional(parent, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Object } value => String(value, "content", name),
        _ => throw Error(name, "expected a string or an object with \"content\""),
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
