using EmbedRt.Kernels;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// A checkpoint of one or more safetensors files, validated when opened and memory-mapped read-only; dispose to unmap.
/// Reads are safe from several threads at once.
/// </summary>
public sealed unsafe class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The single-file checkpoint name in a model folder.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The sharded checkpoint index name in a model folder.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>Headers longer than this (100 MiB) are refused as corrupt, as the reference implementation does.</summary>
    public const long MaxHeaderLength = 100L * 1024 * 1024;

    private readonly IReadOnlyList<SafetensorsFile> _files;
    private readonly Dictionary<string, TensorEntry> _tensors;
    private readonly Dictionary<string, SafetensorsFile> _fileOf;
    private bool _disposed;

    private SafetensorsCheckpoint(string sourcePath, IReadOnlyList<SafetensorsFile> files, Dictionary<string, TensorEntry> tensors)
    {
        SourcePath = sourcePath;
        _files = files;
        _tensors = tensors;
        _fileOf = files.SelectMany(f => f.Tensors.Keys.Select(name => (name, f))).ToDictionary(p => p.name, p => p.f, StringComparer.Ordinal);
        Metadata = files.SelectMany(f => f.Metadata).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value);
    }

    /// <summary>The file that was opened: the safetensors file, or the index of a sharded checkpoint.</summary>
    public string SourcePath { get; }

    /// <summary>Paths of the safetensors files, in the order they were opened.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToList();

    /// <summary>The files' __metadata__ strings (for shards that disagree on a key, the first shard's value).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>All tensors of all shards, by name.</summary>
    public IReadOnlyDictionary<string, TensorEntry> Tensors
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _tensors;
        }
    }

    /// <summary>
    /// Opens model.safetensors in a folder, or failing that the shards named by model.safetensors.index.json.
    /// Throws <see cref="ModelFormatException"/> when the folder has neither or a file is malformed.
    /// </summary>
    public static SafetensorsCheckpoint OpenDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new ModelFormatException(directory, "model folder not found");
        var single = Path.Combine(directory, SingleFileName);
        if (ModelFile.Exists(single)) return OpenFile(single);
        var index = Path.Combine(directory, IndexFileName);
        if (ModelFile.Exists(index)) return OpenSharded(index);
        throw new ModelFormatException(directory, $"folder has neither {SingleFileName} nor {IndexFileName}");
    }

    /// <summary>Opens one safetensors file, validating its whole header against the file.</summary>
    public static SafetensorsCheckpoint OpenFile(string path)
    {
        var file = SafetensorsFile.Open(path);
        return new SafetensorsCheckpoint(path, [file], new Dictionary<string, TensorEntry>(file.Tensors, StringComparer.Ordinal));
    }

    /// <summary>
    /// Opens a sharded checkpoint from its index (model.safetensors.index.json), checking that every shard exists
    /// and holds the tensors the index assigns to it, and that no tensor is in two shards.
    /// </summary>
    public static SafetensorsCheckpoint OpenSharded(string indexPath)
    {
        var weightMap = ShardIndex.ReadWeightMap(indexPath);
        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (tensor, shardPath) in weightMap)
            {
                if (opened.ContainsKey(shardPath)) continue;
                if (!ModelFile.Exists(shardPath))
                    throw new ModelFormatException(indexPath, $"shard '{Path.GetFileName(shardPath)}' (for tensor '{tensor}') not found");
                opened.Add(shardPath, SafetensorsFile.Open(shardPath));
            }

            foreach (var (tensor, shardPath) in weightMap)
            {
                if (!opened[shardPath].Tensors.ContainsKey(tensor))
                    throw new ModelFormatException(indexPath, $"tensor '{tensor}' is mapped to shard '{Path.GetFileName(shardPath)}', which does not contain it");
            }

            var tensors = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
            foreach (var shard in opened.Values)
            {
                foreach (var (name, entry) in shard.Tensors)
                {
                    if (tensors.TryGetValue(name, out var other))
                        throw new ModelFormatException(indexPath, $"tensor '{name}' is in both '{Path.GetFileName(other.FilePath)}' and '{Path.GetFileName(shard.Path)}'");
                    tensors.Add(name, entry);
                }
            }
            return new SafetensorsCheckpoint(indexPath, opened.Values.ToList(), tensors);
        }
        catch
        {
            foreach (var shard in opened.Values) shard.Dispose();
            throw;
        }
    }

    /// <summary>Whether the checkpoint has a tensor of this name.</summary>
    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>
    /// Reads a float tensor, checking its shape (an empty <paramref name="expectedShape"/> means a scalar); throws
    /// <see cref="ModelFormatException"/> naming the file and tensor when it is missing, has another shape, or a dtype
    /// that is not F32/F16/BF16. Aligned F32 data is returned without copying; F16/BF16 are converted on each call.
    /// </summary>
    public FloatTensor ReadFloat(string name, params int[] expectedShape)
    {
        var entry = Find(name);
        CheckShape(entry, expectedShape);
        return Read(entry);
    }

    private static void CheckShape(TensorEntry entry, int[] expectedShape)
    {
        if (!entry.Shape.AsSpan().SequenceEqual(Array.ConvertAll(expectedShape, d => (long)d)))
            throw new ModelFormatException(entry.FilePath,
                $"tensor '{entry.Name}' has shape {SafetensorsHeader.FormatShape(entry.Shape)}, expected {SafetensorsHeader.FormatShape(expectedShape)}");
    }

    private static void CheckFitsArray(TensorEntry entry)
    {
        if (entry.ElementCount > Array.MaxLength || entry.Shape.Any(d => d > int.MaxValue))
            throw new ModelFormatException(entry.FilePath, $"tensor '{entry.Name}' with shape {SafetensorsHeader.FormatShape(entry.Shape)} is too large to read as one array");
    }

    /// <summary>
    /// Reads an F16 or BF16 tensor as its 16-bit values, zero-copy over the map when aligned (as it is unless
    /// the header length is odd), checking its shape like <see cref="ReadFloat"/>; null when the tensor is
    /// stored in another dtype (read it with <see cref="ReadFloat"/>).
    /// </summary>
    public HalfTensor? ReadHalf(string name, params int[] expectedShape)
    {
        var entry = Find(name);
        CheckShape(entry, expectedShape);
        if (entry.DType is not (TensorDType.F16 or TensorDType.BF16)) return null;
        CheckFitsArray(entry);
        var file = _fileOf[entry.Name];
        int count = (int)entry.ElementCount;
        var format = FloatConversion.ToHalfFormat(entry.DType);
        var mapped = file.TryMap<ushort>(entry);
        var data = mapped ?? CopyHalves(file.DataPointer(entry), count);
        CheckFinite(entry, NonFinite.IndexOf(data.Span, format), i => format == HalfFormat.BFloat16
            ? BitConverter.Int32BitsToSingle(data.Span[i] << 16) : (float)BitConverter.UInt16BitsToHalf(data.Span[i]));
        if (mapped is not null) file.ReleasePages(entry);
        return new HalfTensor(entry.Name, Array.ConvertAll(entry.Shape, d => (int)d), format, data);
    }

    /// <summary>
    /// Refuses a tensor holding NaN or infinity: every output would be NaN. The check is one pass over memory the
    /// load reads anyway; a zero-copy tensor's pages are handed back afterwards, so a mapped table stays as lazily
    /// resident as before the check (only the rows tokens touch are read in again).
    /// </summary>
    private static void CheckFinite(TensorEntry entry, int index, Func<int, float> valueAt)
    {
        if (index < 0) return;
        throw new ModelFormatException(entry.FilePath,
            $"tensor '{entry.Name}' holds a non-finite value ({NonFinite.Describe(valueAt(index))}) at element {index} (flat index into shape {SafetensorsHeader.FormatShape(entry.Shape)}): the weights are corrupt");
    }

    private static ushort[] CopyHalves(byte* source, int count)
    {
        var copy = GC.AllocateUninitializedArray<ushort>(count);
        fixed (ushort* target = copy) Buffer.MemoryCopy(source, target, 2L * count, 2L * count);
        return copy;
    }

    /// <summary>
    /// Says that a tensor has been copied and its data in the map will not be read again: its whole pages leave
    /// the resident set (on Linux; elsewhere nothing happens). Reading it again stays correct, from the file.
    /// A tensor still used zero-copy stays correct but reads its pages back in as it is used (the load does this on
    /// purpose after its non-finite check, so a mapped table is resident only where tokens touch it).
    /// </summary>
    public void ReleasePages(string name)
    {
        var entry = Find(name);
        _fileOf[entry.Name].ReleasePages(entry);
    }

    /// <summary>Reads a float tensor whatever its shape (for tools and for tensors whose shape the caller discovers).</summary>
    public FloatTensor ReadFloatAnyShape(string name) => Read(Find(name));

    private TensorEntry Find(string name)
    {
        if (Tensors.TryGetValue(name, out var entry)) return entry;
        var files = string.Join(", ", _files.Select(f => Path.GetFileName(f.Path)));
        throw new ModelFormatException(SourcePath, $"tensor '{name}' not found in {files}");
    }

    private FloatTensor Read(TensorEntry entry)
    {
        if (!TensorDTypes.IsReadableAsFloat(entry.DType))
            throw new ModelFormatException(entry.FilePath, $"tensor '{entry.Name}' has dtype {entry.DType}, which cannot be read as float (F32, F16 or BF16)");
        CheckFitsArray(entry);

        var shape = Array.ConvertAll(entry.Shape, d => (int)d);
        var file = _fileOf[entry.Name];
        int count = (int)entry.ElementCount;
        if (entry.DType == TensorDType.F32 && file.TryMap<float>(entry) is { } mapped)
        {
            CheckFinite(entry, NonFinite.IndexOf(mapped.Span), i => mapped.Span[i]);
            file.ReleasePages(entry);
            return new FloatTensor(entry.Name, shape, mapped);
        }
        var values = FloatConversion.ToFloat32(entry.DType, file.DataPointer(entry), count);
        CheckFinite(entry, NonFinite.IndexOf(values), i => values[i]);
        return new FloatTensor(entry.Name, shape, values);
    }

    /// <summary>Unmaps the files; tensors read zero-copy become unusable (their spans throw <see cref="ObjectDisposedException"/>).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var file in _files) file.Dispose();
    }
}
