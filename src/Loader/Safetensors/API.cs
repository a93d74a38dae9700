// CONTRACT (to be implemented by the loader work; signatures are what Runtime codes against).
namespace EmbedRt.Loader.Safetensors;

/// <summary>Element types a safetensors header may name.</summary>
public enum TensorDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL }

/// <summary>One tensor's header entry.</summary>
public sealed record TensorEntry(string Name, TensorDType DType, long[] Shape, string FilePath, long DataOffset, long ByteLength);

/// <summary>A float32 tensor: zero-copy over the memory map for F32, converted once for F16/BF16.</summary>
public sealed class FloatTensor
{
    public FloatTensor(string name, int[] shape, ReadOnlyMemory<float> data) { Name = name; Shape = shape; Data = data; }
    public string Name { get; }
    public int[] Shape { get; }
    public ReadOnlyMemory<float> Data { get; }
}

/// <summary>A checkpoint of one or more safetensors files, memory-mapped; dispose to unmap.</summary>
public sealed partial class SafetensorsCheckpoint : IDisposable
{
    /// <summary>Opens model.safetensors, or the shards named by model.safetensors.index.json, in a folder.</summary>
    public static SafetensorsCheckpoint OpenDirectory(string directory) => throw new NotImplementedException();
    /// <summary>Opens one safetensors file.</summary>
    public static SafetensorsCheckpoint OpenFile(string path) => throw new NotImplementedException();
    /// <summary>All tensors of all shards.</summary>
    public IReadOnlyDictionary<string, TensorEntry> Tensors => throw new NotImplementedException();
    /// <summary>
    /// Reads a float tensor, checking its shape; throws <see cref="ModelFormatException"/> naming the file and tensor
    /// when it is missing, has another shape, or a dtype that is not F32/F16/BF16.
    /// </summary>
    public FloatTensor ReadFloat(string name, params int[] expectedShape) => throw new NotImplementedException();
    public void Dispose() => throw new NotImplementedException();
}
