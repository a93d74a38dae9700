using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>
/// Quantizes one row of activations as <see cref="Int8Quantization.QuantizeActivationRow"/> does (the same float32
/// operations, so the same bytes), at the widest width the hardware accelerates: every tier's int8 GEMM gets
/// identical bytes, which is what lets the tiers be compared exactly.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>Writes <paramref name="paddedDepth"/> bytes (the padding as the zero point) and returns the row's scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row(float* x, int k, byte* q, int paddedDepth, out int zeroPoint)
    {
        var (min, max) = Range(x, k);
        var (inverse, zero) = Int8Quantization.ActivationRange(min, max);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(inverse);
            var offset = Vector512.Create((float)zero);
            for (; i <= k - 64; i += 64)
            {
                var low = Vector512.Narrow(Quantize(Vector512.Load(x + i), scale, offset), Quantize(Vector512.Load(x + i + 16), scale, offset));
                var high = Vector512.Narrow(Quantize(Vector512.Load(x + i + 32), scale, offset), Quantize(Vector512.Load(x + i + 48), scale, offset));
                Vector512.Narrow(low, high).Store(q + i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(inverse);
            var offset = Vector256.Create((float)zero);
            for (; i <= k - 32; i += 32)
            {
                var low = Vector256.Narrow(Quantize(Vector256.Load(x + i), scale, offset), Quantize(Vector256.Load(x + i + 8), scale, offset));
                var high = Vector256.Narrow(Quantize(Vector256.Load(x + i + 16), scale, offset), Quantize(Vector256.Load(x + i + 24), scale, offset));
                Vector256.Narrow(low, high).Store(q + i);
            }
        }
        for (; i < k; i++) q[i] = (byte)Int8Quantization.QuantizeActivation(x[i], inverse, zero);
        for (; i < paddedDepth; i++) q[i] = (byte)zero;
        zeroPoint = zero;
        return (max - min) / Int8Quantization.ActivationLevels;
    }

    /// <summary>min(x, 0) and max(x, 0).</summary>
    private static (float Min, float Max) Range(float* x, int k)
    {
        int i = 0;
        float min = 0, max = 0;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> lo = default, hi = default;
            for (; i <= k - 16; i += 16)
            {
                var v = Vector512.Load(x + i);
                lo = Vector512.Min(lo, v);
                hi = Vector512.Max(hi, v);
            }
            (min, max) = (Across(Vector256.Min(lo.GetLower(), lo.GetUpper()), minimum: true), Across(Vector256.Max(hi.GetLower(), hi.GetUpper()), minimum: false));
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> lo = default, hi = default;
            for (; i <= k - 8; i += 8)
            {
                var v = Vector256.Load(x + i);
                lo = Vector256.Min(lo, v);
                hi = Vector256.Max(hi, v);
            }
            (min, max) = (Across(lo, minimum: true), Across(hi, minimum: false));
        }
        for (; i < k; i++)
        {
            min = Math.Min(min, x[i]);
            max = Math.Max(max, x[i]);
        }
        return (min, max);
    }

    private static float Across(Vector256<float> v, bool minimum)
    {
        float result = v[0];
        for (int i = 1; i < Vector256<float>.Count; i++) result = minimum ? Math.Min(result, v[i]) : Math.Max(result, v[i]);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Quantize(Vector512<float> x, Vector512<float> inverse, Vector512<float> zero)
    {
        var q = Vector512.Min(Vector512.Max(Vector512.Round(x * inverse) + zero, Vector512<float>.Zero), Vector512.Create(255f));
        return Vector512.ConvertToInt32(q).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Quantize(Vector256<float> x, Vector256<float> inverse, Vector256<float> zero)
    {
        var q = Vector256.Min(Vector256.Max(Vector256.Round(x * inverse) + zero, Vector256<float>.Zero), Vector256.Create(255f));
        return Vector256.ConvertToInt32(q).AsUInt32();
    }
}
