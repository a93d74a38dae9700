using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Elementwise;

/// <summary>An element-wise function on one vector; loops and GEMM epilogues are generic over it.</summary>
internal interface IVectorOp<TVec> where TVec : unmanaged
{
    static abstract TVec Invoke(TVec x);
}

internal readonly struct IdentityOp<TS, TVec> : IVectorOp<TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke(TVec x) => x;
}

internal readonly struct GeluErfOp<TS, TVec> : IVectorOp<TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke(TVec x) => VectorMath<TS, TVec>.GeluErf(x);
}

internal readonly struct GeluTanhOp<TS, TVec> : IVectorOp<TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke(TVec x) => VectorMath<TS, TVec>.GeluTanh(x);
}

internal readonly struct ReluOp<TS, TVec> : IVectorOp<TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke(TVec x) => TS.Max(x, TS.Zero);
}

internal readonly struct TanhOp<TS, TVec> : IVectorOp<TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Invoke(TVec x) => VectorMath<TS, TVec>.Tanh(x);
}
