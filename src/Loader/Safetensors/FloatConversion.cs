using EmbedRt.Kernels;

namespace EmbedRt.Loader.Safetensors;

/// <summary>Widens F16 / BF16 (and copies unaligned F32) little-endian data into a new float32 array.</summary>
internal static unsafe class FloatConversion
{
    /// <summary>Converts <paramref name="count"/> elements at <paramref name="source"/>, which need not be aligned.</summary>
    public static float[] ToFloat32(TensorDType dtype, byte* source, int count)
    {
        var result = GC.AllocateUninitializedArray<float>(count);
        fixed (float* target = result)
        {
            switch (dtype)
            {
                case TensorDType.F32:
                    Buffer.MemoryCopy(source, target, (long)count * sizeof(float), (long)count * sizeof(float));
                    break;
                case TensorDType.F16 or TensorDType.BF16:
                    if (((nint)source & 1) == 0)
                    {
                        HalfConversion.Widen((ushort*)source, ToHalfFormat(dtype), target, count);
                        break;
                    }
                    // An odd header length leaves the data at an odd address: align a copy first.
                    var aligned = GC.AllocateUninitializedArray<ushort>(count);
                    fixed (ushort* copy = aligned)
                    {
                        Buffer.MemoryCopy(source, copy, 2L * count, 2L * count);
                        HalfConversion.Widen(copy, ToHalfFormat(dtype), target, count);
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
            }
        }
        return result;
    }

    /// <summary>The kernels' name for a 16-bit float dtype.</summary>
    public static HalfFormat ToHalfFormat(TensorDType dtype) => dtype switch
    {
        TensorDType.F16 => HalfFormat.Float16,
        TensorDType.BF16 => HalfFormat.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a 16-bit float dtype"),
    };
}
