using System.Text.Json;

namespace EmbedRt.Server.Api;

/// <summary>One model input: a text, or token ids taken as they are (special tokens included, as TEI does).</summary>
internal readonly record struct ModelInput(string? Text, int[]? Ids);

/// <summary>
/// Reads the polymorphic "inputs" / "input" fields: a string, a list of token ids, or a list of strings and
/// token-id lists (TEI's Input, OpenAI's input). Shape errors name the field and the position.
/// </summary>
internal static class InputParser
{
    /// <summary>The inputs of a request, in order; never empty.</summary>
    public static ModelInput[] Parse(JsonElement element, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return [new ModelInput(ReadText(element, field), null)];
            case JsonValueKind.Array:
                int count = element.GetArrayLength();
                if (count == 0) throw ApiException.Empty($"`{field}` cannot be empty", field);
                if (element[0].ValueKind == JsonValueKind.Number) return [new ModelInput(null, ReadIds(element, field))];
                var inputs = new ModelInput[count];
                int i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    string path = $"{field}[{i}]";
                    inputs[i++] = item.ValueKind switch
                    {
                        JsonValueKind.String => new ModelInput(ReadText(item, path), null),
                        JsonValueKind.Array => new ModelInput(null, ReadIds(item, path)),
                        _ => throw ApiException.Invalid($"`{path}` must be a string or a list of token ids, not {Describe(item)}", field),
                    };
                }
                return inputs;
            case JsonValueKind.Undefined:
                throw ApiException.Invalid($"missing field `{field}`", field);
            default:
                throw ApiException.Invalid($"`{field}` must be a string, a list of token ids, or a list of strings or token-id lists, not {Describe(element)}", field);
        }
    }

    /// <summary>Whether the inputs came as a list of inputs (TEI's "batch" method) rather than one input.</summary>
    public static bool IsBatch(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element[0].ValueKind != JsonValueKind.Number;

    /// <summary>A list of strings (TEI's /tokenize inputs): one string or a list of them.</summary>
    public static string[] ParseTexts(JsonElement element, string field)
    {
        var inputs = Parse(element, field);
        return inputs.Select((input, i) => input.Text
            ?? throw ApiException.Invalid($"`{field}[{i}]` must be a string", field)).ToArray();
    }

    /// <summary>Token ids (TEI's /decode ids): one list of ids or a list of them.</summary>
    public static int[][] ParseIdLists(JsonElement element, string field)
    {
        if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() > 0 && element[0].ValueKind == JsonValueKind.Array)
            return element.EnumerateArray().Select((item, i) => ReadIds(item, $"{field}[{i}]")).ToArray();
        if (element.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid($"`{field}` must be a list of token ids or a list of such lists, not {Describe(element)}", field);
        return [ReadIds(element, field)];
    }

    /// <summary>
    /// A string value. JsonDocument checks a string's UTF-8 and escapes only when it is read: invalid UTF-8 or a lone
    /// surrogate escape ("\ud800") is the client's error, as serde_json makes it in TEI.
    /// </summary>
    private static string ReadText(JsonElement element, string path)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw ApiException.Invalid($"`{path}` is not valid text (invalid UTF-8 or a lone surrogate escape): {e.Message}", path);
        }
    }

    private static int[] ReadIds(JsonElement array, string path)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid($"`{path}` must be a list of token ids, not {Describe(array)}", path);
        var ids = new int[array.GetArrayLength()];
        if (ids.Length == 0) throw ApiException.Empty($"`{path}` cannot be empty", path);
        int j = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id) || id < 0)
                throw ApiException.Invalid($"`{path}[{j}]` must be a token id (a non-negative integer), not {Describe(item)}", path);
            ids[j++] = id;
        }
        return ids;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
