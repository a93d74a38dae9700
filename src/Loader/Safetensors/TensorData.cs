using System.Buffers.Binary;

namespace EmbedRt.Loader.Safetensors;

/// <summary>A tensor to write with <see cref="SafetensorsWriter"/>: dtype, shape and little-endian bytes.</summary>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Bytes">product(<paramref name="Shape"/>) × element size bytes, little-endian, row-major.</param>
public sealed record TensorData(TensorDType DType, long[] Shape, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>Encodes float32 values as F32, F16 (round to nearest) or BF16 (round to nearest even).</summary>
    public static TensorData FromFloats(ReadOnlySpan<float> values, long[] shape, TensorDType dtype = TensorDType.F32)
    {
        var bytes = new byte[(long)values.Length * TensorDTypes.SizeOf(dtype)];
        for (int i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case TensorDType.F32:
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
                    break;
                case TensorDType.F16:
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
                    break;
                case TensorDType.BF16:
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), ToBFloat16Bits(values[i]));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "FromFloats encodes F32, F16 or BF16");
            }
        }
        return new TensorData(dtype, shape, bytes);
    }

    /// <summary>Encodes 64-bit integers as I64 (e.g. a position_ids buffer).</summary>
    public static TensorData FromInt64(ReadOnlySpan<long> values, long[] shape)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return new TensorData(TensorDType.I64, shape, bytes);
    }

    private static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x0040); // keep a quiet NaN rather than rounding to infinity
        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
