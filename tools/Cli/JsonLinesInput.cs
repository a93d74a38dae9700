using System.Text;
using System.Text.Json;

namespace EmbedRt.Cli;

/// <summary>
/// Reads the commands' input: JSON Lines, each line a JSON string or an object {"text": "...", "pair": "..."}.
/// Every problem is reported with its line number; nothing is skipped or repaired silently.
/// </summary>
internal static class JsonLinesInput
{
    public static List<InputRecord> ReadAll(TextReader reader)
    {
        var records = new List<InputRecord>();
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
            records.Add(Parse(line, lineNumber));
        }
        return records;
    }

    /// <summary>A reader over standard input that rejects invalid UTF-8 instead of replacing it.</summary>
    public static TextReader StandardInput() =>
        new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false, throwOnInvalidBytes: true), false, 1 << 16);

    private static InputRecord Parse(string line, int lineNumber)
    {
        if (string.IsNullOrWhiteSpace(line))
            throw new InputException($"line {lineNumber}: empty line (expected a JSON string or an object with \"text\")");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new InputException($"line {lineNumber}: invalid JSON ({e.Message})");
        }
        using (document)
        {
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.String:
                    return new InputRecord(root.GetString()!, null);
                case JsonValueKind.Object:
                    string? text = null, pair = null;
                    foreach (var property in root.EnumerateObject())
                    {
                        switch (property.Name)
                        {
                            case "text": text = StringField(property, lineNumber); break;
                            case "pair": pair = property.Value.ValueKind == JsonValueKind.Null ? null : StringField(property, lineNumber); break;
                            default: throw new InputException($"line {lineNumber}: unknown field \"{property.Name}\" (expected \"text\" and optionally \"pair\")");
                        }
                    }
                    return new InputRecord(text ?? throw new InputException($"line {lineNumber}: object has no \"text\" field"), pair);
                default:
                    throw new InputException($"line {lineNumber}: expected a JSON string or an object with \"text\", got {root.ValueKind.ToString().ToLowerInvariant()}");
            }
        }
    }

    private static string StringField(JsonProperty property, int lineNumber) =>
        property.Value.ValueKind == JsonValueKind.String
            ? property.Value.GetString()!
            : throw new InputException($"line {lineNumber}: field \"{property.Name}\" must be a string, got {property.Value.ValueKind.ToString().ToLowerInvariant()}");
}
