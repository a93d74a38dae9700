namespace EmbedRt.Kernels.Cpu.Simd;

/// <summary>
/// One SIMD width as a set of static operations over its vector type. Every kernel body is written once,
/// generic over this interface; the JIT specializes it per struct (Vector512, Vector256, scalar float), so the
/// abstraction costs nothing at run time. <see cref="CpuKernels.BestTier"/> picks the width.
/// </summary>
internal unsafe interface ISimd<TVec> where TVec : unmanaged
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }
    static abstract TVec Create(float value);
    static abstract TVec Load(float* source);
    static abstract void Store(TVec value, float* destination);

    static abstract TVec Add(TVec left, TVec right);
    static abstract TVec Subtract(TVec left, TVec right);
    static abstract TVec Multiply(TVec left, TVec right);
    static abstract TVec Divide(TVec left, TVec right);

    /// <summary>left·right + addend, fused (one rounding) on the vector tiers.</summary>
    static abstract TVec MultiplyAdd(TVec left, TVec right, TVec addend);

    static abstract TVec Max(TVec left, TVec right);
    static abstract TVec Min(TVec left, TVec right);
    static abstract TVec Abs(TVec value);

    /// <summary>Rounds to the nearest integer (ties to even).</summary>
    static abstract TVec Round(TVec value);

    /// <summary>value · 2^exponent, where exponent holds integers in [-126, 127].</summary>
    static abstract TVec ScaleByPowerOfTwo(TVec value, TVec exponent);

    /// <summary>Lane-wise left &lt; right ? whenLess : otherwise.</summary>
    static abstract TVec SelectWhereLess(TVec left, TVec right, TVec whenLess, TVec otherwise);

    static abstract float Sum(TVec value);
    static abstract float MaxAcross(TVec value);
}
