using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Kernels;

/// <summary>The 16-bit float encodings that weights can stay in.</summary>
public enum HalfFormat
{
    /// <summary>IEEE 754 binary16 (safetensors F16, torch.float16).</summary>
    Float16,
    /// <summary>bfloat16: the high half of a binary32 (safetensors BF16, torch.bfloat16).</summary>
    BFloat16,
}

/// <summary>
/// Exact widening of F16 / BF16 to float32, at 512, 256 or 128 bits or scalar, whichever the hardware
/// accelerates: the loader widens whole tensors with it, the GEMM one weight block at a time.
/// </summary>
public static unsafe class HalfConversion
{
    /// <summary>2^112: rescales a half's exponent field, placed in a float's, from bias 15 to bias 127.</summary>
    private const float HalfExponentRescale = 5.1922968585348276e33f;

    /// <summary>
    /// Rounds float32 values to bfloat16, to nearest with ties to even (as torch's .to(bfloat16)); NaN stays a quiet NaN.
    /// </summary>
    public static void NarrowToBFloat16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} values, needs {source.Length}", nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(source[i]);
            destination[i] = float.IsNaN(source[i]) ? (ushort)((bits >> 16) | 0x40) : (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
        }
    }

    /// <summary>Widens <paramref name="source"/> into the first source.Length floats of <paramref name="destination"/>.</summary>
    public static void Widen(ReadOnlySpan<ushort> source, HalfFormat format, Span<float> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} values, needs {source.Length}", nameof(destination));
        fixed (ushort* s = source)
        fixed (float* d = destination)
            Widen(s, format, d, source.Length);
    }

    /// <summary>Widens <paramref name="count"/> values; <paramref name="source"/> needs only 2-byte alignment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ushort* source, HalfFormat format, float* destination, long count)
    {
        long i = 0;
        if (format == HalfFormat.BFloat16)
        {
            if (Vector512.IsHardwareAccelerated)
                for (; i <= count - 32; i += 32)
                {
                    var (low, high) = Vector512.Widen(Vector512.Load(source + i));
                    Vector512.Store((low << 16).AsSingle(), destination + i);
                    Vector512.Store((high << 16).AsSingle(), destination + i + 16);
                }
            if (Vector256.IsHardwareAccelerated)
                for (; i <= count - 16; i += 16)
                {
                    var (low, high) = Vector256.Widen(Vector256.Load(source + i));
                    Vector256.Store((low << 16).AsSingle(), destination + i);
                    Vector256.Store((high << 16).AsSingle(), destination + i + 8);
                }
            for (; i < count; i++) destination[i] = BitConverter.UInt32BitsToSingle((uint)source[i] << 16);
            return;
        }
        if (Vector512.IsHardwareAccelerated)
            for (; i <= count - 32; i += 32)
            {
                var (low, high) = Vector512.Widen(Vector512.Load(source + i));
                Vector512.Store(HalfToSingle(low), destination + i);
                Vector512.Store(HalfToSingle(high), destination + i + 16);
            }
        if (Vector256.IsHardwareAccelerated)
            for (; i <= count - 16; i += 16)
            {
                var (low, high) = Vector256.Widen(Vector256.Load(source + i));
                Vector256.Store(HalfToSingle(low), destination + i);
                Vector256.Store(HalfToSingle(high), destination + i + 8);
            }
        for (; i < count; i++) destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
    }

    // Exact half → float for halves in the low 16 bits of each lane. Exponent and mantissa shifted into float
    // position read as a float 2^112 too small, for normals and subnormals alike, so one multiply fixes both;
    // infinities and NaNs (exponent all ones) instead get the float's all-ones exponent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> HalfToSingle(Vector512<uint> half)
    {
        var sign = (half & Vector512.Create(0x8000u)) << 16;
        var magnitude = (half & Vector512.Create(0x7FFFu)) << 13;
        var finite = magnitude.AsSingle() * Vector512.Create(HalfExponentRescale);
        var special = (magnitude | Vector512.Create(0x7F800000u)).AsSingle();
        var isSpecial = Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(0x7C00u << 13)).AsSingle();
        return (Vector512.ConditionalSelect(isSpecial, special, finite).AsUInt32() | sign).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HalfToSingle(Vector256<uint> half)
    {
        var sign = (half & Vector256.Create(0x8000u)) << 16;
        var magnitude = (half & Vector256.Create(0x7FFFu)) << 13;
        var finite = magnitude.AsSingle() * Vector256.Create(HalfExponentRescale);
        var special = (magnitude | Vector256.Create(0x7F800000u)).AsSingle();
        var isSpecial = Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00u << 13)).AsSingle();
        return (Vector256.ConditionalSelect(isSpecial, special, finite).AsUInt32() | sign).AsSingle();
    }
}
