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
    /// <summary>data.pkl of a state dict is a few kilobytes; a larger one (64 MiB) is refused before it is inflated.</summary>
    private const long MaxPickleBytes = 64L << 20;

    /// <summary>With no expectation, at most this many elements (1 GiB of float32) are read in all.</summary>
    private const long DefaultMaxElements = 1L << 28;

    /// <summary>
    /// Loads every tensor of the state dict as float32 (F32, F16, BF16 and F64 storages). Every declared tensor is
    /// checked (names, shapes, sizes, <paramref name="expectation"/>) before any storage is inflated, and no more
    /// bytes are inflated than the tensors need.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is not a torch zip archive, holds anything but the expected tensors, or is inconsistent.</exception>
    public static IReadOnlyDictionary<string, FloatTensor> Load(string path, TensorExpectation? expectation = null)
    {
        var stream = ModelFile.OpenRead(path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch (InvalidDataException e)
        {
            stream.Dispose();
            throw new ModelFormatException(path, "not a PyTorch zip archive (legacy torch.save format is not supported; re-save with torch >= 1.6 or convert to safetensors)", e);
        }
        using (archive)
        {
            try
            {
                return Read(archive, path, expectation);
            }
            catch (InvalidDataException e) // a central directory that lies (a fuzzing find): entries are read lazily
            {
                throw new ModelFormatException(path, "corrupt zip archive: " + e.Message, e);
            }
        }
    }

    private static IReadOnlyDictionary<string, FloatTensor> Read(ZipArchive archive, string path, TensorExpectation? expectation)
    {
        // The folder inside the zip is named after the file by older torch and "archive/" by newer; accept any.
        var pickleEntry = archive.Entries.SingleOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new ModelFormatException(path, "no <folder>/data.pkl in the archive");
        string folder = pickleEntry.FullName[..^"data.pkl".Length];
        if (pickleEntry.Length > MaxPickleBytes)
            throw new ModelFormatException(path, $"{pickleEntry.FullName} declares {pickleEntry.Length} bytes, more than a state dict's pickle may have ({MaxPickleBytes})");
        var root = RestrictedUnpickler.Load(ReadEntry(pickleEntry, path, pickleEntry.Length), path);
        if (root is not List<KeyValuePair<object?, object?>> items)
            throw new ModelFormatException(path, "the pickle is not a state dict (an ordered dict of tensors)");

        var declared = new List<DeclaredTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        long totalElements = 0, maxElements = expectation?.MaxElements ?? DefaultMaxElements;
        foreach (var (key, value) in items)
        {
            if (key is not string name || value is not TensorReference tensor)
                throw new ModelFormatException(path, "the state dict holds an entry that is not a named tensor");
            if (!names.Add(name)) throw new ModelFormatException(path, $"tensor '{name}' appears twice");
            if (expectation?.Check(name, tensor.Shape) is { } problem) throw new ModelFormatException(path, problem);
            var checkedTensor = Declare(archive, folder, name, tensor, path);
            totalElements += checkedTensor.Count;
            if (totalElements > maxElements)
                throw new ModelFormatException(path, $"the tensors declare more than {maxElements} elements in all; refusing to inflate them");
            declared.Add(checkedTensor);
        }
        if (expectation is not null && expectation.Shapes.Keys.FirstOrDefault(n => !names.Contains(n)) is { } missing)
            throw new ModelFormatException(path, $"tensor '{missing}' not found (has {string.Join(", ", names)})");

        var tensors = new Dictionary<string, FloatTensor>();
        foreach (var tensor in declared) tensors.Add(tensor.Name, Materialize(tensor, path));
        return tensors;
    }

    /// <summary>A tensor whose declaration has been checked against its storage entry; nothing inflated yet.</summary>
    private sealed record DeclaredTensor(string Name, TensorReference Tensor, ZipArchiveEntry Entry, int ElementSize, long Count, long BytesNeeded);

    private static DeclaredTensor Declare(ZipArchive archive, string folder, string name, TensorReference tensor, string path)
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
        if (storage.ElementCount > long.MaxValue / elementSize || entry.Length != storage.ElementCount * elementSize)
            throw new ModelFormatException(path, $"tensor '{name}': storage data/{storage.Key} has {entry.Length} bytes, expected {storage.ElementCount} × {elementSize}");
        if (tensor.Shape.Length != tensor.Stride.Length || tensor.Shape.Any(d => d < 0) || tensor.Stride.Any(s => s < 0) || tensor.Offset < 0)
            throw new ModelFormatException(path, $"tensor '{name}': invalid shape, stride or offset");

        long count = 1, lastElement = tensor.Offset;
        foreach (var (size, stride) in tensor.Shape.Zip(tensor.Stride))
        {
            if (size > int.MaxValue || (size > 0 && stride > int.MaxValue)) throw new ModelFormatException(path, $"tensor '{name}' is too large");
            count *= size;
            if (size > 0) lastElement += (size - 1) * stride;
            if (count > int.MaxValue || lastElement > int.MaxValue) throw new ModelFormatException(path, $"tensor '{name}' is too large");
        }
        if (count > 0 && lastElement >= storage.ElementCount)
            throw new ModelFormatException(path, $"tensor '{name}' reaches past the end of its storage");
        return new DeclaredTensor(name, tensor, entry, elementSize, count, count == 0 ? 0 : (lastElement + 1) * elementSize);
    }

    private static FloatTensor Materialize(DeclaredTensor declared, string path)
    {
        var (name, tensor, entry, _, count, bytesNeeded) = declared;
        var bytes = ReadEntry(entry, path, bytesNeeded);
        var values = new float[count];
        var shape = tensor.Shape;
        var index = new long[shape.Length];
        string storageType = tensor.Storage.StorageType;
        for (long i = 0; i < count; i++)
        {
            long element = tensor.Offset;
            for (int d = 0; d < shape.Length; d++) element += index[d] * tensor.Stride[d];
            values[i] = ReadElement(bytes, (int)element, storageType);
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        if (NonFinite.IndexOf(values) is >= 0 and var at)
            throw new ModelFormatException(path, $"tensor '{name}' holds a non-finite value ({NonFinite.Describe(values[at])}) at element {at}");
        return new FloatTensor(name, shape.Select(d => (int)d).ToArray(), values);
    }

    private static float ReadElement(byte[] bytes, int element, string storageType) => storageType switch
    {
        "FloatStorage" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(element * 4)),
        "HalfStorage" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(element * 2)),
        "BFloat16Storage" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(element * 2)) << 16),
        _ => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(element * 8)),
    };

    /// <summary>
    /// Inflates the first <paramref name="count"/> bytes of an entry, never more. When that is the whole entry, the
    /// entry must inflate to exactly its declared size: longer or shorter data is corrupt.
    /// </summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, string path, long count)
    {
        if (count > entry.Length || count > Array.MaxLength)
            throw new ModelFormatException(path, $"archive entry {entry.FullName} is too large ({entry.Length} bytes)");
        var buffer = new byte[count];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(buffer);
            if (count == entry.Length && stream.ReadByte() >= 0)
                throw new ModelFormatException(path, $"archive entry {entry.FullName} inflates to more than its declared {entry.Length} bytes");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ModelFormatException(path, $"archive entry {entry.FullName} is corrupt or shorter than its declared {entry.Length} bytes", e);
        }
        return buffer;
    }
}
