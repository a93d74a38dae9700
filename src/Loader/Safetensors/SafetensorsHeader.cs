using System.Text.Json;
using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Safetensors;

/// <summary>Parses and validates a safetensors JSON header against the size of the data section that follows it.</summary>
internal static class SafetensorsHeader
{
    private const string MetadataKey = "__metadata__";

    /// <summary>The validated header: tensors by name (in header order) and the free-form metadata.</summary>
    internal sealed record Contents(Dictionary<string, TensorEntry> Tensors, Dictionary<string, string> Metadata);

    /// <param name="filePath">The file, for messages and entries.</param>
    /// <param name="json">The header bytes.</param>
    /// <param name="dataStart">Absolute offset of the data section (8 + header length).</param>
    /// <param name="dataLength">Bytes in the data section.</param>
    public static Contents Parse(string filePath, byte[] json, long dataStart, long dataLength)
    {
        using (var document = StrictJson.Parse(filePath, json, "safetensors header"))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(filePath, $"safetensors header is a JSON {root.ValueKind}, not an object");

            var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata) throw new ModelFormatException(filePath, "safetensors header has two __metadata__ entries");
                    sawMetadata = true;
                    ReadMetadata(filePath, property.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                    throw new ModelFormatException(filePath, $"tensor '{property.Name}' appears twice in the safetensors header");
                tensors.Add(property.Name, ReadEntry(filePath, property.Name, property.Value, dataStart, dataLength));
            }
            CheckLayout(filePath, tensors.Values, dataStart, dataLength);
            return new Contents(tensors, metadata);
        }
    }

    private static void ReadMetadata(string filePath, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(filePath, $"safetensors __metadata__ is a JSON {value.ValueKind}, not an object");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new ModelFormatException(filePath, $"safetensors __metadata__ value '{item.Name}' is not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static TensorEntry ReadEntry(string filePath, string name, JsonElement value, long dataStart, long dataLength)
    {
        string Problem(string text) => $"tensor '{name}' {text}";
        if (value.ValueKind != JsonValueKind.Object)
            throw new ModelFormatException(filePath, Problem($"header entry is a JSON {value.ValueKind}, not an object"));

        if (!value.TryGetProperty("dtype", out var dtypeElement))
            throw new ModelFormatException(filePath, Problem("has no dtype"));
        if (dtypeElement.ValueKind != JsonValueKind.String)
            throw new ModelFormatException(filePath, Problem("has a dtype that is not a string"));
        var dtypeText = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParse(dtypeText, out var dtype))
            throw new ModelFormatException(filePath, Problem($"has unknown dtype '{dtypeText}'"));

        if (!value.TryGetProperty("shape", out var shapeElement))
            throw new ModelFormatException(filePath, Problem("has no shape"));
        var shape = ReadIntegers(filePath, name, "shape", shapeElement);
        foreach (var dim in shape)
        {
            if (dim < 0) throw new ModelFormatException(filePath, Problem($"has negative dimension {dim} in shape {FormatShape(shape)}"));
        }

        if (!value.TryGetProperty("data_offsets", out var offsetsElement))
            throw new ModelFormatException(filePath, Problem("has no data_offsets"));
        var offsets = ReadIntegers(filePath, name, "data_offsets", offsetsElement);
        if (offsets.Length != 2)
            throw new ModelFormatException(filePath, Problem($"has {offsets.Length} data_offsets, expected 2 (begin, end)"));
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < 0)
            throw new ModelFormatException(filePath, Problem($"has negative data_offsets [{begin},{end}]"));
        if (end < begin)
            throw new ModelFormatException(filePath, Problem($"has data_offsets end {end} before begin {begin}"));
        if (end > dataLength)
            throw new ModelFormatException(filePath,
                Problem($"has data_offsets [{begin},{end}] past the end of the data section ({dataLength} bytes)"));

        long expectedBytes = ByteCount(shape, dtype)
            ?? throw new ModelFormatException(filePath, Problem($"has shape {FormatShape(shape)} too large to address"));
        if (end - begin != expectedBytes)
            throw new ModelFormatException(filePath,
                Problem($"has {end - begin} bytes of data but shape {FormatShape(shape)} of {dtype} needs {expectedBytes}"));

        return new TensorEntry(name, dtype, shape, filePath, dataStart + begin, end - begin);
    }

    private static long[] ReadIntegers(string filePath, string name, string field, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(filePath, $"tensor '{name}' has a {field} that is not an array");
        var values = new long[element.GetArrayLength()];
        int i = 0;
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out values[i]))
                throw new ModelFormatException(filePath, $"tensor '{name}' has {field} element {item.GetRawText()} that is not a 64-bit integer");
            i++;
        }
        return values;
    }

    /// <summary>product(shape) × element size, or null when it does not fit in a long.</summary>
    private static long? ByteCount(long[] shape, TensorDType dtype)
    {
        Int128 bytes = TensorDTypes.SizeOf(dtype);
        foreach (var dim in shape)
        {
            bytes *= dim; // both factors are below 2^63, so the Int128 product cannot overflow
            if (bytes > long.MaxValue) return null;
        }
        return (long)bytes;
    }

    /// <summary>
    /// The tensors must tile the data section exactly, as the reference implementation requires: sorted by offset,
    /// each begins where the previous ends, the first at 0 and the last at the section's end. A header length off
    /// by a byte shifts every tensor and leaves the section a byte too long or short: refused here, not read as garbage.
    /// </summary>
    private static void CheckLayout(string filePath, IEnumerable<TensorEntry> entries, long dataStart, long dataLength)
    {
        var ordered = entries.OrderBy(e => e.DataOffset).ThenBy(e => e.ByteLength).ToList();
        long expected = 0;
        TensorEntry? previous = null;
        foreach (var entry in ordered)
        {
            long begin = entry.DataOffset - dataStart;
            if (begin < expected)
                throw new ModelFormatException(filePath, $"tensors '{previous!.Name}' and '{entry.Name}' overlap in the data section");
            if (begin > expected)
                throw new ModelFormatException(filePath,
                    $"tensor '{entry.Name}' begins at data offset {begin}, leaving bytes [{expected},{begin}) of the data section unused (tensors must be contiguous)");
            expected = begin + entry.ByteLength;
            previous = entry;
        }
        if (expected != dataLength)
            throw new ModelFormatException(filePath,
                $"the tensors end at data offset {expected} but the data section after the {dataStart - 8}-byte header has {dataLength} bytes: the header length or data offsets are wrong");
    }

    /// <summary>Formats a shape as "[a,b]".</summary>
    public static string FormatShape<T>(IEnumerable<T> shape) => "[" + string.Join(",", shape) + "]";
}
