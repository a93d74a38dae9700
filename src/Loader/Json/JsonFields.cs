using System.Text.Json;

namespace EmbedRt.Loader.Json;

/// <summary>
/// Typed access to the fields of one JSON object, where a wrong type or value is a <see cref="ModelFormatException"/>
/// naming the file and the field. A field set to null counts as absent, as Hugging Face's loaders treat it.
/// </summary>
internal readonly struct JsonFields
{
    private readonly string _filePath;
    private readonly JsonElement _object;
    private readonly string _prefix;

    /// <param name="filePath">The file, for messages.</param>
    /// <param name="obj">A JSON object.</param>
    /// <param name="prefix">Path of this object inside the file ("" for the root, else e.g. "modules[1].").</param>
    public JsonFields(string filePath, JsonElement obj, string prefix)
    {
        _filePath = filePath;
        _object = obj;
        _prefix = prefix;
    }

    /// <summary>An error about a field of this object.</summary>
    public ModelFormatException Error(string field, string problem) => new(_filePath, $"field '{_prefix}{field}' {problem}");

    /// <summary>The field's value, or null when it is absent or JSON null.</summary>
    public JsonElement? Get(string field) =>
        _object.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public string? OptionalString(string field)
    {
        if (Get(field) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String) throw Error(field, $"must be a string, got {Describe(value)}");
        return value.GetString();
    }

    public string RequiredString(string field) => OptionalString(field) ?? throw Error(field, "is missing");

    public bool? OptionalBool(string field)
    {
        if (Get(field) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(field, $"must be true or false, got {Describe(value)}"),
        };
    }

    /// <summary>An integer field; integral floats such as 512.0 are accepted.</summary>
    public long? OptionalInteger(string field)
    {
        if (Get(field) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var integer)) return integer;
            if (value.TryGetDouble(out var real) && Math.Floor(real) == real && Math.Abs(real) < 9e15) return (long)real;
        }
        throw Error(field, $"must be an integer, got {Describe(value)}");
    }

    public int? OptionalPositiveInt(string field)
    {
        if (OptionalInteger(field) is not { } value) return null;
        if (value <= 0 || value > int.MaxValue) throw Error(field, $"must be a positive integer, got {value}");
        return (int)value;
    }

    public int RequiredPositiveInt(string field) => OptionalPositiveInt(field) ?? throw Error(field, "is missing");

    public double? OptionalNumber(string field)
    {
        if (Get(field) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            throw Error(field, $"must be a number, got {Describe(value)}");
        return number;
    }

    public IReadOnlyList<string> OptionalStringList(string field)
    {
        if (Get(field) is not { } value) return [];
        if (value.ValueKind != JsonValueKind.Array) throw Error(field, $"must be a list of strings, got {Describe(value)}");
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw Error(field, $"must be a list of strings, has {Describe(item)}");
            list.Add(item.GetString()!);
        }
        return list;
    }

    public IReadOnlyDictionary<string, string> OptionalStringMap(string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Get(field) is not { } value) return map;
        if (value.ValueKind != JsonValueKind.Object) throw Error(field, $"must be an object of strings, got {Describe(value)}");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Error(field, $"must be an object of strings, but '{item.Name}' is {Describe(item.Value)}");
            map[item.Name] = item.Value.GetString()!;
        }
        return map;
    }

    /// <summary>A short rendering of a value for messages (long values are cut).</summary>
    public static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length <= 40 ? text : text[..37] + "...";
    }
}
