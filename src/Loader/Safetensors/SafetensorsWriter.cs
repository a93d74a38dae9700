using System.Buffers.Binary;
using System.Text.Json;

namespace EmbedRt.Loader.Safetensors;

/// <summary>Writes safetensors files (single or sharded with an index), e.g. to build test checkpoints.</summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes one safetensors file. Tensors are laid out widest dtype first (then in the given order) so every tensor
    /// is aligned to its element size; the header is space-padded to a multiple of 8 bytes, as the reference writer does.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, TensorData>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = Validate(tensors);
        var header = BuildHeader(ordered, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var (_, data) in ordered) stream.Write(data.Bytes.Span);
    }

    /// <summary>
    /// Writes a sharded checkpoint into <paramref name="directory"/>: model-0000i-of-0000n.safetensors files of at most
    /// <paramref name="maxShardBytes"/> data bytes each (a larger tensor gets a shard of its own), and
    /// model.safetensors.index.json mapping each tensor to its shard. Returns the index path.
    /// </summary>
    public static string WriteSharded(string directory, IEnumerable<KeyValuePair<string, TensorData>> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        var all = Validate(tensors);
        var shards = new List<List<KeyValuePair<string, TensorData>>>();
        long currentBytes = 0;
        foreach (var tensor in all)
        {
            long size = tensor.Value.Bytes.Length;
            if (shards.Count == 0 || (currentBytes > 0 && currentBytes + size > maxShardBytes))
            {
                shards.Add([]);
                currentBytes = 0;
            }
            shards[^1].Add(tensor);
            currentBytes += size;
        }

        var weightMap = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < shards.Count; i++)
        {
            var fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, fileName), shards[i], metadata);
            weightMap.AddRange(shards[i].Select(t => new KeyValuePair<string, string>(t.Key, fileName)));
        }

        var indexPath = Path.Combine(directory, SafetensorsCheckpoint.IndexFileName);
        using var stream = new FileStream(indexPath, FileMode.Create, FileAccess.Write, FileShare.None);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteStartObject("metadata");
        writer.WriteNumber("total_size", all.Sum(t => (long)t.Value.Bytes.Length));
        writer.WriteEndObject();
        writer.WriteStartObject("weight_map");
        foreach (var (name, file) in weightMap) writer.WriteString(name, file);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return indexPath;
    }

    private static List<KeyValuePair<string, TensorData>> Validate(IEnumerable<KeyValuePair<string, TensorData>> tensors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<KeyValuePair<string, TensorData>>();
        foreach (var (name, data) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw new ArgumentException($"'{name}' cannot be a tensor name", nameof(tensors));
            if (!names.Add(name)) throw new ArgumentException($"tensor '{name}' given twice", nameof(tensors));
            if (data.Shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}' has a negative dimension", nameof(tensors));
            long expected = data.Shape.Aggregate((long)TensorDTypes.SizeOf(data.DType), (bytes, dim) => checked(bytes * dim));
            if (data.Bytes.Length != expected)
                throw new ArgumentException($"tensor '{name}' has {data.Bytes.Length} bytes, its shape and dtype need {expected}", nameof(tensors));
            list.Add(new(name, data));
        }
        // OrderBy is stable: within one element size the caller's order is kept.
        return list.OrderByDescending(t => TensorDTypes.SizeOf(t.Value.DType)).ToList();
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, TensorData>> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata) writer.WriteString(key, value);
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, data) in ordered)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", data.DType.ToString());
                writer.WriteStartArray("shape");
                foreach (var dim in data.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + data.Bytes.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += data.Bytes.Length;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
