using ILGPU;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// Float math used inside the kernels, written so ILGPU's PTX backend emits what we mean and the CPU simulator
/// runs the same code: multiply-adds ptxas contracts into FFMA, an erf of our own (libdevice is not linked), warp-shuffle reductions.
/// </summary>
public static class DeviceMath
{
    /// <summary>
    /// a·b + c, written so CUDA gets one FFMA: ILGPU emits mul.f32 + add.f32 with no rounding modifier, which the
    /// PTX ISA lets ptxas contract into a fused multiply-add (its default, --fmad=true). The alternatives fail:
    /// MathF.FusedMultiplyAdd becomes a call to an undefined libdevice function, and an inline-asm fma.rn.f32
    /// (CudaAsm.Emit) returns through a local variable, a .local store and load around every fma.
    /// </summary>
    public static float Fma(float a, float b, float c) => a * b + c;

    /// <summary>
    /// erf(x) by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7 in exact arithmetic; measured against double erf
    /// on [-10, 10] in the tests). Beyond |x| = 4 erf is ±1 to float precision.
    /// </summary>
    public static float Erf(float x)
    {
        float ax = XMathAbs(x);
        if (ax >= 4f) return x < 0 ? -1f : 1f;
        float t = 1f / Fma(0.3275911f, ax, 1f);
        float poly = Fma(Fma(Fma(Fma(1.061405429f, t, -1.453152027f), t, 1.421413741f), t, -0.284496736f), t, 0.254829592f) * t;
        float r = 1f - poly * MathF.Exp(-ax * ax);
        return x < 0 ? -r : r;
    }

    /// <summary>tanh(x) = 1 − 2 / (e^{2x} + 1): exact limits ±1, NaN stays NaN, absolute error ~1e-7.</summary>
    public static float Tanh(float x) => 1f - 2f / (MathF.Exp(2f * x) + 1f);

    /// <summary>The activation a linear layer fuses into its epilogue (codes of <see cref="Activation"/>).</summary>
    public static float Activate(float x, int activation) => activation switch
    {
        (int)Activation.GeluErf => 0.5f * x * (1f + Erf(x * 0.70710678118654752f)),
        (int)Activation.GeluTanh => 0.5f * x * (1f + Tanh(0.79788456080286536f * Fma(0.044715f * x, x * x, x))),
        (int)Activation.Relu => x > 0f ? x : 0f,
        (int)Activation.Tanh => Tanh(x),
        _ => x,
    };

    /// <summary>The sum over the warp, in every lane (butterfly of shfl.sync.bfly).</summary>
    public static float WarpSum(float value)
    {
        for (int mask = Warp.WarpSize / 2; mask > 0; mask >>= 1) value += Warp.ShuffleXor(value, mask);
        return value;
    }

    /// <summary>The maximum over the warp, in every lane.</summary>
    public static float WarpMax(float value)
    {
        for (int mask = Warp.WarpSize / 2; mask > 0; mask >>= 1) value = MathF.Max(value, Warp.ShuffleXor(value, mask));
        return value;
    }

    private static float XMathAbs(float x) => x < 0 ? -x : x;
}
