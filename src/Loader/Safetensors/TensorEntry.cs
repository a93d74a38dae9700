namespace EmbedRt.Loader.Safetensors;

/// <summary>One tensor's header entry, validated against its file.</summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its dimensions (empty for a scalar).</param>
/// <param name="FilePath">The safetensors file that holds it.</param>
/// <param name="DataOffset">Absolute byte offset of its data in that file.</param>
/// <param name="ByteLength">Byte count of its data: product(<paramref name="Shape"/>) × element size.</param>
public sealed record TensorEntry(string Name, TensorDType DType, long[] Shape, string FilePath, long DataOffset, long ByteLength)
{
    /// <summary>Number of elements, product(<see cref="Shape"/>).</summary>
    public long ElementCount => ByteLength / TensorDTypes.SizeOf(DType);
}
