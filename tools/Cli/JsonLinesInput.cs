using System.Text;
using System.Text.Json;

namespace EmbedRt.Cli;

/// <summary>
/// Reads the commands' input, JSON Lines, parsing each line with a command-specific parser. Every problem is
/// reported with its line number; nothing is skipped or repaired silently.
/// </summary>
internal static class JsonLinesInput
{
    public static List<T> ReadAll<T>(TextReader reader, Func<JsonLine, T> parse)
    {
        var records = new List<T>();
        int lineNumber = 0;
        while (true)
        {
            string? line;
            try
            {
                line = reader.ReadLine();
            }
            catch (DecoderFallbackException)
            {
                throw new InputException($"line {lineNumber + 1}: input is not valid UTF-8");
            }
            if (line is null) break;
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) throw new InputException($"line {lineNumber}: empty line (expected a JSON value)");
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new InputException($"line {lineNumber}: invalid JSON ({e.Message})");
            }
            using (document) records.Add(parse(new JsonLine(document.RootElement, lineNumber)));
        }
        return records;
    }

    /// <summary>Texts (and optional pairs): each line a JSON string or {"text": "...", "pair": "..."}.</summary>
    public static List<InputRecord> ReadTexts(TextReader reader) => ReadAll(reader, line =>
    {
        if (line.Root.ValueKind == JsonValueKind.String) return new InputRecord(line.Root.GetString()!, null);
        line.ExpectObject("a JSON string or an object with \"text\"", "text", "pair");
        return new InputRecord(line.RequiredString("text"), line.OptionalString("pair"));
    });

    /// <summary>A reader over standard input that rejects invalid UTF-8 instead of replacing it.</summary>
    public static TextReader StandardInput() =>
        new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false, throwOnInvalidBytes: true), false, 1 << 16);
}

/// <summary>One parsed input line with helpers that report problems by line number.</summary>
internal readonly record struct JsonLine(JsonElement Root, int Number)
{
    public void ExpectObject(string expected, params string[] fields)
    {
        if (Root.ValueKind != JsonValueKind.Object)
            throw Error($"expected {expected}, got {Kind(Root)}");
        foreach (var property in Root.EnumerateObject())
            if (!fields.Contains(property.Name))
                throw Error($"unknown field \"{property.Name}\" (expected {string.Join(", ", fields.Select(f => $"\"{f}\""))})");
    }

    public string RequiredString(string field) =>
        OptionalString(field) ?? throw Error($"object has no \"{field}\" field");

    public string? OptionalString(string field)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Error($"field \"{field}\" must be a string, got {Kind(value)}");
    }

    public string[] RequiredStrings(string field)
    {
        if (!Root.TryGetProperty(field, out var value)) throw Error($"object has no \"{field}\" field");
        if (value.ValueKind != JsonValueKind.Array) throw Error($"field \"{field}\" must be an array of strings, got {Kind(value)}");
        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Error($"item {items.Count} of \"{field}\" must be a string, got {Kind(item)}");
            items.Add(item.GetString()!);
        }
        return items.ToArray();
    }

    public InputException Error(string problem) => new($"line {Number}: {problem}");

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
