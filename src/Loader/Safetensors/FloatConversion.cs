using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Loader.Safetensors;

/// <summary>Widens F16 / BF16 (and copies unaligned F32) little-endian data into a new float32 array.</summary>
internal static unsafe class FloatConversion
{
    /// <summary>2^112: rescales a half's exponent field, placed in a float's, from bias 15 to bias 127.</summary>
    private static readonly float HalfExponentRescale = MathF.ScaleB(1f, 112);

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
                    WidenHalf(source, target, count);
                    break;
                case TensorDType.BF16:
                    WidenBFloat16(source, target, count);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a float dtype");
            }
        }
        return result;
    }

    // Each loop runs once per tensor, so without AggressiveOptimization it would start in unoptimized tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenBFloat16(byte* source, float* target, int count)
    {
        // bfloat16 is the high half of a binary32, so widening is exact: shift the bits into place.
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= count - 8; i += 8)
            {
                var (low, high) = Vector128.Widen(Vector128.Load((ushort*)(source + 2L * i)));
                Vector128.Store((low << 16).AsSingle(), target + i);
                Vector128.Store((high << 16).AsSingle(), target + i + 4);
            }
        }
        for (; i < count; i++)
            target[i] = BitConverter.UInt32BitsToSingle((uint)Unsafe.ReadUnaligned<ushort>(source + 2L * i) << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenHalf(byte* source, float* target, int count)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var rescale = Vector128.Create(HalfExponentRescale);
            for (; i <= count - 8; i += 8)
            {
                var (low, high) = Vector128.Widen(Vector128.Load((ushort*)(source + 2L * i)));
                Vector128.Store(HalfToSingle(low, rescale), target + i);
                Vector128.Store(HalfToSingle(high, rescale), target + i + 4);
            }
        }
        for (; i < count; i++)
            target[i] = (float)BitConverter.UInt16BitsToHalf(Unsafe.ReadUnaligned<ushort>(source + 2L * i));
    }

    /// <summary>
    /// Exact half → float for four halves in the low 16 bits of each lane. Exponent and mantissa shifted into float
    /// position read as a float 2^112 too small, for normals and subnormals alike, so one multiply fixes both;
    /// infinities and NaNs (exponent all ones) instead get the float's all-ones exponent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> HalfToSingle(Vector128<uint> half, Vector128<float> rescale)
    {
        var sign = (half & Vector128.Create(0x8000u)) << 16;
        var magnitude = (half & Vector128.Create(0x7FFFu)) << 13;
        var finite = magnitude.AsSingle() * rescale;
        var special = (magnitude | Vector128.Create(0x7F800000u)).AsSingle();
        var isSpecial = Vector128.GreaterThanOrEqual(magnitude, Vector128.Create(0x7C00u << 13)).AsSingle();
        return (Vector128.ConditionalSelect(isSpecial, special, finite).AsUInt32() | sign).AsSingle();
    }
}
