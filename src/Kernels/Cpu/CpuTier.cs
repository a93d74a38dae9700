namespace EmbedRt.Kernels.Cpu;

/// <summary>The SIMD width a <see cref="CpuKernels"/> instance computes with.</summary>
public enum CpuTier
{
    /// <summary>One float at a time, for machines without usable SIMD ("cpu-scalar").</summary>
    Scalar,
    /// <summary>Vector256 with fused multiply-add, AVX2 + FMA on x64 ("cpu-avx2").</summary>
    Vector256,
    /// <summary>Vector512, AVX-512F on x64 ("cpu-avx512").</summary>
    Vector512,
}
