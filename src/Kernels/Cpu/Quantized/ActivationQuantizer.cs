using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>
/// Quantizes one row of activations as <see cref="Int8Quantization.QuantizeRow"/> does (the same float32 operations,
/// so the same integers), stored +128 as the unsigned bytes vpdpbusd multiplies, at the widest width the hardware
/// accelerates: every tier's int8 GEMM gets identical bytes, which is what lets the tiers be compared exactly.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>Writes <paramref name="paddedDepth"/> bytes (the padding as a zero value) and returns the row's scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row(float* x, int k, byte* q, int paddedDepth)
    {
        float max = MaxAbs(x, k);
        float inverse = Int8Quantization.InverseScale(max);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(inverse);
            for (; i <= k - 64; i += 64)
            {
                var low = Vector512.Narrow(Quantize(Vector512.Load(x + i), scale), Quantize(Vector512.Load(x + i + 16), scale));
                var high = Vector512.Narrow(Quantize(Vector512.Load(x + i + 32), scale), Quantize(Vector512.Load(x + i + 48), scale));
                Vector512.Narrow(low, high).Store(q + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(inverse);
            for (; i <= k - 32; i += 32)
            {
                var low = Vector256.Narrow(Quantize(Vector256.Load(x + i), scale), Quantize(Vector256.Load(x + i + 8), scale));
                var high = Vector256.Narrow(Quantize(Vector256.Load(x + i + 16), scale), Quantize(Vector256.Load(x + i + 24), scale));
                Vector256.Narrow(low, high).Store(q + i);
            }
        }
        for (; i < k; i++) q[i] = (byte)(Int8Quantization.Quantize(x[i], inverse) + PackedInt8Linear.ActivationOffset);
        for (; i < paddedDepth; i++) q[i] = PackedInt8Linear.ActivationOffset;
        return max / Int8Quantization.Levels;
    }

    private static float MaxAbs(float* x, int k)
    {
        int i = 0;
        float max = 0;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            var m = Vector512<float>.Zero;
            for (; i <= k - 16; i += 16) m = Vector512.Max(m, Vector512.Abs(Vector512.Load(x + i)));
            max = MaxAcross(Vector256.Max(m.GetLower(), m.GetUpper()));
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            var m = Vector256<float>.Zero;
            for (; i <= k - 8; i += 8) m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
            max = MaxAcross(m);
        }
        for (; i < k; i++) max = Math.Max(max, Math.Abs(x[i]));
        return max;
    }

    private static float MaxAcross(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        return Math.Max(Math.Max(m[0], m[1]), Math.Max(m[2], m[3]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Quantize(Vector512<float> x, Vector512<float> inverse)
    {
        var q = Vector512.Min(Vector512.Max(Vector512.Round(x * inverse), Vector512.Create(-127f)), Vector512.Create(127f));
        return (Vector512.ConvertToInt32(q) + Vector512.Create(PackedInt8Linear.ActivationOffset)).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Quantize(Vector256<float> x, Vector256<float> inverse)
    {
        var q = Vector256.Min(Vector256.Max(Vector256.Round(x * inverse), Vector256.Create(-127f)), Vector256.Create(127f));
        return (Vector256.ConvertToInt32(q) + Vector256.Create(PackedInt8Linear.ActivationOffset)).AsUInt32();
    }
}
