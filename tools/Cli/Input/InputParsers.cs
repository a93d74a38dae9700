using System.Text.Json;

namespace EmbedRt.Cli.Input;

/// <summary>The line formats the commands accept.</summary>
internal static class InputParsers
{
    /// <summary>A text and an optional pair: a JSON string or {"text": "...", "pair": "..."}.</summary>
    public static InputRecord TextOrPair(JsonLine line)
    {
        if (line.Root.ValueKind == JsonValueKind.String) return new InputRecord(line.String(), null);
        line.ExpectObject("a JSON string or an object with \"text\"", "text", "pair");
        return new InputRecord(line.RequiredString("text"), line.OptionalString("pair"));
    }

    /// <summary>A single text: a JSON string or {"text": "..."}.</summary>
    public static string Text(JsonLine line)
    {
        if (line.Root.ValueKind == JsonValueKind.String) return line.String();
        line.ExpectObject("a JSON string or an object with \"text\"", "text");
        return line.RequiredString("text");
    }
}
