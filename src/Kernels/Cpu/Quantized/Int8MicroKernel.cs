using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Gemm;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>
/// The int8 register-blocked kernel: a <see cref="Rows"/> × (2 vectors) tile of int32 accumulators over the whole
/// depth, four depth values per instruction (<typeparamref name="TQ"/>'s dot product), from <see cref="Rows"/>
/// rows of quantized activations (four bytes broadcast per row and step) and a packed panel
/// (<see cref="PackedInt8Linear"/>). 12 accumulators + 2 weight vectors + 1 broadcast fit the 16 VEX registers
/// that AVX-VNNI can address. The depth is not blocked: int32 sums stay exact only until they are converted, and
/// a panel of even 4096 depth values (64 KiB at 256 bits) streams from L2 fast enough for the dot products.
/// The epilogue subtracts the row's zero point × column sums (exact, in int32), converts to float32 and applies
/// row scale × column scale, bias and activation.
/// </summary>
internal static unsafe class Int8MicroKernel<TQ, TInt, TS, TFloat>
    where TQ : IInt8Dot<TInt, TFloat> where TS : ISimd<TFloat> where TInt : unmanaged where TFloat : unmanaged
{
    public const int Rows = 6;

    public static int Columns => 2 * TQ.Count;

    /// <summary>The first <paramref name="rows"/> (1..6) rows of a tile, by the kernel specialized for that height.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile<TOp>(int rows, int groups, byte* a, int lda, float* rowScales, int* zeroPoints, sbyte* b, PackedInt8Linear w, int column,
        float* c, int ldc) where TOp : IVectorOp<TFloat>
    {
        switch (rows)
        {
            case 6: Tile<TOp, SixRows>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
            case 5: Tile<TOp, FiveRows>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
            case 4: Tile<TOp, FourRows>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
            case 3: Tile<TOp, ThreeRows>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
            case 2: Tile<TOp, TwoRows>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
            default: Tile<TOp, OneRow>(groups, a, lda, rowScales, zeroPoints, b, w, column, c, ldc); break;
        }
    }

    /// <summary>C[TRows, Columns] = act((A·B − zero point · column sums) · row scale · column scale + bias).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TOp, TRows>(int groups, byte* a, int lda, float* rowScales, int* zeroPoints, sbyte* b, PackedInt8Linear w, int column,
        float* c, int ldc) where TOp : IVectorOp<TFloat> where TRows : ITileRows
    {
        int n = TQ.Count, rows = TRows.Value;
        TInt c00 = TQ.Zero, c01 = TQ.Zero, c10 = TQ.Zero, c11 = TQ.Zero, c20 = TQ.Zero, c21 = TQ.Zero;
        TInt c30 = TQ.Zero, c31 = TQ.Zero, c40 = TQ.Zero, c41 = TQ.Zero, c50 = TQ.Zero, c51 = TQ.Zero;
        for (int i = 0; i < rows; i++)
        {
            Prefetch.L1(c + i * ldc);
            Prefetch.L1(c + i * ldc + 2 * n - 1);
        }
        byte* row0 = a, row1 = a + lda, row2 = a + 2 * lda, row3 = a + 3 * lda, row4 = a + 4 * lda, row5 = a + 5 * lda;
        int step = PackedInt8Linear.GroupDepth;
        for (int g = 0; g < groups; g++)
        {
            TInt b0 = TQ.Load(b), b1 = TQ.Load(b + step * n);
            Prefetch.L1(b + 16 * 2 * step * n);
            int offset = g * step;
            TInt a0 = TQ.Broadcast(row0 + offset);
            c00 = TQ.DotAdd(c00, a0, b0);
            c01 = TQ.DotAdd(c01, a0, b1);
            if (rows > 1)
            {
                TInt a1 = TQ.Broadcast(row1 + offset);
                c10 = TQ.DotAdd(c10, a1, b0);
                c11 = TQ.DotAdd(c11, a1, b1);
            }
            if (rows > 2)
            {
                TInt a2 = TQ.Broadcast(row2 + offset);
                c20 = TQ.DotAdd(c20, a2, b0);
                c21 = TQ.DotAdd(c21, a2, b1);
            }
            if (rows > 3)
            {
                TInt a3 = TQ.Broadcast(row3 + offset);
                c30 = TQ.DotAdd(c30, a3, b0);
                c31 = TQ.DotAdd(c31, a3, b1);
            }
            if (rows > 4)
            {
                TInt a4 = TQ.Broadcast(row4 + offset);
                c40 = TQ.DotAdd(c40, a4, b0);
                c41 = TQ.DotAdd(c41, a4, b1);
            }
            if (rows > 5)
            {
                TInt a5 = TQ.Broadcast(row5 + offset);
                c50 = TQ.DotAdd(c50, a5, b0);
                c51 = TQ.DotAdd(c51, a5, b1);
            }
            b += 2 * step * n;
        }
        int* sums = w.ColumnSums + column;
        float* scales = w.Scales + column, bias = w.Bias + column;
        StoreRow(c00, c01, rowScales[0], zeroPoints[0], sums, scales, bias, c);
        if (rows > 1) StoreRow(c10, c11, rowScales[1], zeroPoints[1], sums, scales, bias, c + ldc);
        if (rows > 2) StoreRow(c20, c21, rowScales[2], zeroPoints[2], sums, scales, bias, c + 2 * ldc);
        if (rows > 3) StoreRow(c30, c31, rowScales[3], zeroPoints[3], sums, scales, bias, c + 3 * ldc);
        if (rows > 4) StoreRow(c40, c41, rowScales[4], zeroPoints[4], sums, scales, bias, c + 4 * ldc);
        if (rows > 5) StoreRow(c50, c51, rowScales[5], zeroPoints[5], sums, scales, bias, c + 5 * ldc);
        if (typeof(TOp) != typeof(IdentityOp<TS, TFloat>)) MicroKernel<TS, TFloat>.Activate<TOp>(c, ldc, rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TInt v0, TInt v1, float rowScale, int zeroPoint, int* sums, float* scales, float* bias, float* c)
    {
        int n = TQ.Count;
        TFloat s = TS.Create(rowScale);
        TInt z = TQ.Create(zeroPoint);
        TFloat y0 = TQ.ToFloat(TQ.SubtractProduct(v0, TQ.Load(sums), z));
        TFloat y1 = TQ.ToFloat(TQ.SubtractProduct(v1, TQ.Load(sums + n), z));
        TS.Store(TS.MultiplyAdd(TS.Multiply(y0, s), TS.Load(scales), TS.Load(bias)), c);
        TS.Store(TS.MultiplyAdd(TS.Multiply(y1, s), TS.Load(scales + n), TS.Load(bias + n)), c + n);
    }
}
