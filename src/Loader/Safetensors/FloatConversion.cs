using System.Runtime.CompilerServices;

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
                case TensorDType.F16:
                    for (int i = 0; i < count; i++)
                        target[i] = (float)BitConverter.UInt16BitsToHalf(Unsafe.ReadUnaligned<ushort>(source + 2L * i));
                    break;
                case TensorDType.BF16:
                    // bfloat16 is the high half of a binary32, so widening is exact: shift into place.
                    for (int i = 0; i < count; i++)
                        target[i] = BitConverter.UInt32BitsToSingle((uint)Unsafe.ReadUnaligned<ushort>(source + 2L * i) << 16);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
            }
        }
        return result;
    }
}
