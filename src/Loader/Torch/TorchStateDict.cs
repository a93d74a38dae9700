using System.Buffers.Binary;
using System.IO.Compression;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Loader.Torch;

/// <summary>
/// Reads a PyTorch state dict saved by torch.save (a zip archive holding data.pkl and one file per storage),
/// such as BGE-M3's colbert_linear.pt and sparse_linear.pt. The pickle goes through
/// <see cref="RestrictedUnpickler"/>, which never executes code.
/// </summary>
public static class TorchStateDict
{
    /// <summary>Loads every tensor of the state dict as float32 (F32, F16, BF16 and F64 storages).</summary>
    /// <exception cref="ModelFormatException">The file is not a torch zip archive, holds anything but tensors, or is inconsistent.</exception>
    public static IReadOnlyDictionary<string, FloatTensor> Load(string path)
    {
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, "not a PyTorch zip archive (legacy torch.save format is not supported; re-save with torch >= 1.6 or convert to safetensors)", e);
        }
        catch (FileNotFoundException e)
        {
            throw new ModelFormatException(path, "file not found", e);
        }
        using (archive)
        {
            // The folder inside the zip is named after the file by older torch and "archive/" by newer; accept any.
            var pickleEntry = archive.Entries.SingleOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new ModelFormatException(path, "no <folder>/data.pkl in the archive");
            string folder = pickleEntry.FullName[..^"data.pkl".Length];
            var root = RestrictedUnpickler.Load(ReadEntry(pickleEntry, path, maxBytes: 64 << 20), path);
            if (root is not List<KeyValuePair<object?, object?>> items)
                throw new ModelFormatException(path, "the pickle is not a state dict (an ordered dict of tensors)");

            var tensors = new Dictionary<string, FloatTensor>();
            foreach (var (key, value) in items)
            {
                if (key is not string name || value is not TensorReference tensor)
                    throw new ModelFormatException(path, "the state dict holds an entry that is not a named tensor");
                if (!tensors.TryAdd(name, Materialize(archive, folder, name, tensor, path)))
                    throw new ModelFormatException(path, $"tensor '{name}' appears twice");
            }
            return tensors;
        }
    }

    private static FloatTensor Materialize(ZipArchive archive, string folder, string name, TensorReference tensor, string path)
    {
        var storage = tensor.Storage;
        int elementSize = storage.StorageType switch
        {
            "FloatStorage" => 4,
            "HalfStorage" or "BFloat16Storage" => 2,
            "DoubleStorage" => 8,
            var other => throw new ModelFormatException(path, $"tensor '{name}': unsupported storage {other}"),
        };
        var entry = archive.GetEntry(folder + "data/" + storage.Key)
            ?? throw new ModelFormatException(path, $"tensor '{name}': storage file data/{storage.Key} missing from the archive");
        if (entry.Length != storage.ElementCount * elementSize)
            throw new ModelFormatException(path, $"tensor '{name}': storage data/{storage.Key} has {entry.Length} bytes, expected {storage.ElementCount} × {elementSize}");
        if (tensor.Shape.Length != tensor.Stride.Length || tensor.Shape.Any(d => d < 0) || tensor.Stride.Any(s => s < 0) || tensor.Offset < 0)
            throw new ModelFormatException(path, $"tensor '{name}': invalid shape, stride or offset");

        long count = 1, lastElement = tensor.Offset;
        foreach (var (size, stride) in tensor.Shape.Zip(tensor.Stride))
        {
            count *= size;
            if (size > 0) lastElement += (size - 1) * stride;
            if (count > int.MaxValue) throw new ModelFormatException(path, $"tensor '{name}' is too large");
        }
        if (count > 0 && lastElement >= storage.ElementCount)
            throw new ModelFormatException(path, $"tensor '{name}' reaches past the end of its storage");

        var bytes = ReadEntry(entry, path, maxBytes: entry.Length);
        var values = new float[count];
        var shape = tensor.Shape;
        var index = new long[shape.Length];
        for (long i = 0; i < count; i++)
        {
            long element = tensor.Offset;
            for (int d = 0; d < shape.Length; d++) element += index[d] * tensor.Stride[d];
            values[i] = ReadElement(bytes, (int)element, storage.StorageType);
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return new FloatTensor(name, shape.Select(d => (int)d).ToArray(), values);
    }

    private static float ReadElement(byte[] bytes, int element, string storageType) => storageType switch
    {
        "FloatStorage" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(element * 4)),
        "HalfStorage" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(element * 2)),
        "BFloat16Storage" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(element * 2)) << 16),
        _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(element * 8)),
    };

    private static byte[] ReadEntry(ZipArchiveEntry entry, string path, long maxBytes)
    {
        if (entry.Length > maxBytes || entry.Length > Array.MaxLength)
            throw new ModelFormatException(path, $"archive entry {entry.FullName} is too large ({entry.Length} bytes)");
        var buffer = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ModelFormatException(path, $"archive entry {entry.FullName} is corrupt", e);
        }
        return buffer;
    }
}
