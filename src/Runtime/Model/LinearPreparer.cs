using EmbedRt.Kernels;

namespace EmbedRt.Model;

/// <summary>
/// Hands a checkpoint's linear weights to the kernels in the compute precision asked for: float32 as stored
/// (16-bit ones only reach here when kept 16-bit), bf16 (float32 rounded to nearest; F16 / BF16 kept in their own
/// 16-bit format, which the GEMM widens alike), or int8 (quantized by the kernels from float32).
/// </summary>
internal sealed class LinearPreparer(IKernels kernels, ComputePrecision compute)
{
    public LinearWeights Prepare(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        switch (compute)
        {
            case ComputePrecision.Int8:
                return kernels.PrepareLinearInt8(weight, bias, outFeatures, inFeatures);
            case ComputePrecision.BFloat16:
                var rounded = new ushort[weight.Length];
                HalfConversion.NarrowToBFloat16(weight, rounded);
                return kernels.PrepareLinear(rounded, HalfFormat.BFloat16, bias, outFeatures, inFeatures);
            default:
                return kernels.PrepareLinear(weight, bias, outFeatures, inFeatures);
        }
    }

    public LinearWeights Prepare(ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        if (compute != ComputePrecision.Int8) return kernels.PrepareLinear(weight, format, bias, outFeatures, inFeatures);
        var widened = new float[weight.Length];
        HalfConversion.Widen(weight, format, widened);
        return kernels.PrepareLinearInt8(widened, bias, outFeatures, inFeatures);
    }
}
