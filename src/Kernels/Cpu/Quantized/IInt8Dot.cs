using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>
/// One way of computing vpdpbusd's arithmetic: every 32-bit lane accumulates the four products of its unsigned
/// bytes of a (activations) with its signed bytes of b (weights), exactly. The int8 GEMM body is
/// written once over this interface, like the float kernels over <see cref="Simd.ISimd{TVec}"/>; each
/// implementation pairs an integer vector with the float vector of the same lane count for the epilogue.
/// </summary>
internal unsafe interface IInt8Dot<TInt, TFloat> where TInt : unmanaged where TFloat : unmanaged
{
    /// <summary>32-bit lanes per vector: output columns per vector.</summary>
    static abstract int Count { get; }

    /// <summary>A short name for logs and benchmark tables.</summary>
    static abstract string Name { get; }

    static abstract TInt Zero { get; }

    /// <summary>Loads Count × 4 weight bytes.</summary>
    static abstract TInt Load(sbyte* source);

    /// <summary>Loads Count 32-bit integers.</summary>
    static abstract TInt Load(int* source);

    /// <summary>The four activation bytes at <paramref name="source"/> in every lane.</summary>
    static abstract TInt Broadcast(byte* source);

    /// <summary>accumulator + per lane Σ₄ u8(a) · s8(b).</summary>
    static abstract TInt DotAdd(TInt accumulator, TInt a, TInt b);

    static abstract TInt Create(int value);

    /// <summary>left − right · factor, lane-wise in int32.</summary>
    static abstract TInt SubtractProduct(TInt left, TInt right, TInt factor);

    static abstract TFloat ToFloat(TInt value);
}

/// <summary>AVX-VNNI vpdpbusd on 256 bits. .NET 10 exposes VNNI only in its VEX form (AvxVnni, 128/256-bit): the EVEX
/// 512-bit form has no managed intrinsic (no Avx512Vnni class; Avx10v1 is not on AMD Zen 4/5).</summary>
internal readonly unsafe struct Vnni256 : IInt8Dot<Vector256<int>, Vector256<float>>
{
    public static int Count => Vector256<int>.Count;
    public static string Name => "avx-vnni";
    public static Vector256<int> Zero => Vector256<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(sbyte* source) => Vector256.Load((int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(int* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Broadcast(byte* source) => Vector256.Create(*(int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotAdd(Vector256<int> accumulator, Vector256<int> a, Vector256<int> b)
        => AvxVnni.MultiplyWideningAndAdd(accumulator, a.AsByte(), b.AsSByte());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Create(int value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SubtractProduct(Vector256<int> left, Vector256<int> right, Vector256<int> factor) => left - right * factor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToFloat(Vector256<int> value) => Vector256.ConvertToSingle(value);
}

/// <summary>
/// Without VNNI, on 512 bits (AVX-512BW): bytes split into even and odd 16-bit halves (zero-extended activations,
/// sign-extended weights) and two vpmaddwd. vpmaddubsw would be one instruction fewer but saturates its int16
/// pair sums (2 · 255 · 127 &gt; 32767), which would make this tier's integers differ from VNNI's.
/// </summary>
internal readonly unsafe struct Widened512 : IInt8Dot<Vector512<int>, Vector512<float>>
{
    public static int Count => Vector512<int>.Count;
    public static string Name => "avx512bw";
    public static Vector512<int> Zero => Vector512<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Load(sbyte* source) => Vector512.Load((int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Load(int* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Broadcast(byte* source) => Vector512.Create(*(int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> DotAdd(Vector512<int> accumulator, Vector512<int> a, Vector512<int> b)
    {
        var a16 = a.AsInt16();
        var b16 = b.AsInt16();
        var aEven = a16 & Vector512.Create((short)0xFF);
        var aOdd = Vector512.ShiftRightLogical(a16, 8);
        var bEven = Vector512.ShiftRightArithmetic(Vector512.ShiftLeft(b16, 8), 8);
        var bOdd = Vector512.ShiftRightArithmetic(b16, 8);
        return accumulator + Avx512BW.MultiplyAddAdjacent(aEven, bEven) + Avx512BW.MultiplyAddAdjacent(aOdd, bOdd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> Create(int value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<int> SubtractProduct(Vector512<int> left, Vector512<int> right, Vector512<int> factor) => left - right * factor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToFloat(Vector512<int> value) => Vector512.ConvertToSingle(value);
}

/// <summary>Without VNNI, on 256 bits (AVX2): as <see cref="Widened512"/>.</summary>
internal readonly unsafe struct Widened256 : IInt8Dot<Vector256<int>, Vector256<float>>
{
    public static int Count => Vector256<int>.Count;
    public static string Name => "avx2";
    public static Vector256<int> Zero => Vector256<int>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(sbyte* source) => Vector256.Load((int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Load(int* source) => Vector256.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Broadcast(byte* source) => Vector256.Create(*(int*)source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> DotAdd(Vector256<int> accumulator, Vector256<int> a, Vector256<int> b)
    {
        var a16 = a.AsInt16();
        var b16 = b.AsInt16();
        var aEven = a16 & Vector256.Create((short)0xFF);
        var aOdd = Vector256.ShiftRightLogical(a16, 8);
        var bEven = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(b16, 8), 8);
        var bOdd = Vector256.ShiftRightArithmetic(b16, 8);
        return accumulator + Avx2.MultiplyAddAdjacent(aEven, bEven) + Avx2.MultiplyAddAdjacent(aOdd, bOdd);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Create(int value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> SubtractProduct(Vector256<int> left, Vector256<int> right, Vector256<int> factor) => left - right * factor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToFloat(Vector256<int> value) => Vector256.ConvertToSingle(value);
}

/// <summary>One 32-bit lane at a time, for machines without usable SIMD.</summary>
internal readonly unsafe struct Int8Scalar : IInt8Dot<int, float>
{
    public static int Count => 1;
    public static string Name => "scalar";
    public static int Zero => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Load(sbyte* source) => *(int*)source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Load(int* source) => *source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Broadcast(byte* source) => *(int*)source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int DotAdd(int accumulator, int a, int b)
    {
        for (int i = 0; i < 32; i += 8) accumulator += (byte)(a >> i) * (sbyte)(b >> i);
        return accumulator;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Create(int value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SubtractProduct(int left, int right, int factor) => left - right * factor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToFloat(int value) => value;
}
