using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Kernels.Cpu.Simd;

/// <summary>The 512-bit tier (AVX-512F on x64).</summary>
internal readonly unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(float* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, float* destination) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend)
        => Vector512.FusedMultiplyAdd(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> left, Vector512<float> right) => Vector512.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Abs(Vector512<float> value) => Vector512.Abs(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Round(Vector512<float> value) => Vector512.Round(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ScaleByPowerOfTwo(Vector512<float> value, Vector512<float> exponent)
        => Avx512F.IsSupported
            ? Avx512F.Scale(value, exponent) // vscalefps: one instruction instead of convert, add, shift, multiply
            : value * Vector512.ShiftLeft(Vector512.ConvertToInt32(exponent) + Vector512.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectWhereLess(Vector512<float> left, Vector512<float> right,
        Vector512<float> whenLess, Vector512<float> otherwise)
        => Vector512.ConditionalSelect(Vector512.LessThan(left, right), whenLess, otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector512<float> value)
        => Simd256.MaxAcross(Vector256.Max(value.GetLower(), value.GetUpper()));
}
