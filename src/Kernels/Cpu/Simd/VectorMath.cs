using System.Runtime.CompilerServices;

namespace EmbedRt.Kernels.Cpu.Simd;

/// <summary>Transcendental functions in float, written once for every width.</summary>
internal static class VectorMath<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    /// <summary>
    /// e^x (Cephes expf scheme: x = n·ln2 + r, degree-6 polynomial for e^r, 2^n via the exponent bits),
    /// about 2 ulp. Inputs are clamped so that 2^n stays a normal float: results saturate near 1.2e-38 and 1.7e38.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp(TVec x)
    {
        x = TS.Min(TS.Max(x, TS.Create(-87.33654f)), TS.Create(88f));
        TVec n = TS.Round(TS.Multiply(x, TS.Create(1.44269504088896341f)));
        // ln2 split in two so that n·ln2 is subtracted without rounding error.
        TVec r = TS.MultiplyAdd(n, TS.Create(-0.693359375f), x);
        r = TS.MultiplyAdd(n, TS.Create(2.12194440e-4f), r);
        TVec p = TS.Create(1.9875691500E-4f);
        p = TS.MultiplyAdd(p, r, TS.Create(1.3981999507E-3f));
        p = TS.MultiplyAdd(p, r, TS.Create(8.3334519073E-3f));
        p = TS.MultiplyAdd(p, r, TS.Create(4.1665795894E-2f));
        p = TS.MultiplyAdd(p, r, TS.Create(1.6666665459E-1f));
        p = TS.MultiplyAdd(p, r, TS.Create(5.0000001201E-1f));
        p = TS.MultiplyAdd(p, TS.Multiply(r, r), TS.Add(r, TS.Create(1f)));
        return TS.ScaleByPowerOfTwo(p, n);
    }

    /// <summary>
    /// erfc(z) for z ≥ 0 with relative error about 1.2e-7 (Chebyshev fit, Numerical Recipes "erfcc").
    /// Being relative, it stays accurate deep in the tail where 1 − erf(z) would cancel to nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec ErfcNonNegative(TVec z)
    {
        TVec t = TS.Divide(TS.Create(1f), TS.MultiplyAdd(z, TS.Create(0.5f), TS.Create(1f)));
        TVec p = TS.Create(0.17087277f);
        p = TS.MultiplyAdd(p, t, TS.Create(-0.82215223f));
        p = TS.MultiplyAdd(p, t, TS.Create(1.48851587f));
        p = TS.MultiplyAdd(p, t, TS.Create(-1.13520398f));
        p = TS.MultiplyAdd(p, t, TS.Create(0.27886807f));
        p = TS.MultiplyAdd(p, t, TS.Create(-0.18628806f));
        p = TS.MultiplyAdd(p, t, TS.Create(0.09678418f));
        p = TS.MultiplyAdd(p, t, TS.Create(0.37409196f));
        p = TS.MultiplyAdd(p, t, TS.Create(1.00002368f));
        p = TS.MultiplyAdd(p, t, TS.Create(-1.26551223f));
        TVec exponent = TS.Subtract(p, TS.Multiply(z, z));
        return TS.Multiply(t, Exp(exponent));
    }

    /// <summary>x·Φ(x) = x·(1 + erf(x/√2))/2, with Φ taken from erfc on the side where it is small.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec GeluErf(TVec x)
    {
        TVec half = TS.Create(0.5f);
        TVec tail = TS.Multiply(half, ErfcNonNegative(TS.Multiply(TS.Abs(x), TS.Create(0.70710678118654752f))));
        TVec phi = TS.SelectWhereLess(x, TS.Zero, tail, TS.Subtract(TS.Create(1f), tail));
        return TS.Multiply(x, phi);
    }

    /// <summary>
    /// 0.5·x·(1 + tanh(u)) rewritten as x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³). Inputs below −20
    /// (results below 1e-36 in magnitude) are raised to −20 so that the saturated exponential cannot meet a huge x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec GeluTanh(TVec x)
    {
        x = TS.Max(x, TS.Create(-20f));
        TVec x2 = TS.Multiply(x, x);
        TVec inner = TS.Multiply(x, TS.MultiplyAdd(x2, TS.Create(0.044715f), TS.Create(1f)));
        TVec e = Exp(TS.Multiply(inner, TS.Create(-2f * 0.79788456080286536f)));
        return TS.Divide(x, TS.Add(TS.Create(1f), e));
    }

    /// <summary>
    /// tanh: an odd polynomial below |x| = 0.625 (Cephes tanhf), where 1 − 2/(e^(2|x|) + 1) would lose
    /// relative precision, and that formula above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Tanh(TVec x)
    {
        TVec ax = TS.Abs(x);
        TVec s = TS.Multiply(x, x);
        TVec p = TS.Create(-5.70498872745E-3f);
        p = TS.MultiplyAdd(p, s, TS.Create(2.06390887954E-2f));
        p = TS.MultiplyAdd(p, s, TS.Create(-5.37397155531E-2f));
        p = TS.MultiplyAdd(p, s, TS.Create(1.33314422036E-1f));
        p = TS.MultiplyAdd(p, s, TS.Create(-3.33332819422E-1f));
        TVec small = TS.MultiplyAdd(TS.Multiply(p, s), x, x);
        TVec one = TS.Create(1f);
        TVec large = TS.Subtract(one, TS.Divide(TS.Create(2f), TS.Add(Exp(TS.Add(ax, ax)), one)));
        large = TS.SelectWhereLess(x, TS.Zero, TS.Subtract(TS.Zero, large), large);
        return TS.SelectWhereLess(ax, TS.Create(0.625f), small, large);
    }
}
