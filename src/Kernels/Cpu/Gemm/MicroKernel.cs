using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>A tile height as a type, so one kernel body compiles into a specialized kernel per height.</summary>
internal interface ITileRows
{
    static abstract int Value { get; }
}

internal readonly struct OneRow : ITileRows { public static int Value => 1; }
internal readonly struct TwoRows : ITileRows { public static int Value => 2; }
internal readonly struct ThreeRows : ITileRows { public static int Value => 3; }
internal readonly struct FourRows : ITileRows { public static int Value => 4; }
internal readonly struct FiveRows : ITileRows { public static int Value => 5; }
internal readonly struct SixRows : ITileRows { public static int Value => 6; }

/// <summary>
/// The register-blocked inner kernel: a <see cref="Rows"/> × (2 vectors) tile of C held in 12 accumulators,
/// updated with one fused multiply-add per accumulator per k from <see cref="Rows"/> rows of A read in place
/// (row stride lda, one element of each broadcast per k) and a packed B micro-panel ([k][2 vectors]).
/// 12 accumulators + 2 B vectors + 1 broadcast fit the 16 AVX2 registers and hide the FMA latency on two
/// pipes (4-cycle latency × 2 pipes needs ≥ 8 chains).
/// </summary>
internal static unsafe class MicroKernel<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    public const int Rows = 6;

    /// <summary>How far ahead (in k steps) the kernel prefetches its own B micro-panel into L1.</summary>
    private const int PrefetchSteps = 32;

    public static int Columns => 2 * TS.Count;

    /// <summary>
    /// The first <paramref name="rows"/> (1..<see cref="Rows"/>) rows of a tile, by the kernel specialized for
    /// that height: a short last row panel then costs its own rows, not a full tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile<TOp>(int rows, int kc, float* a, int lda, float* b, float* c, int ldc, float* bias, bool accumulate, bool finish,
        float* ahead, int aheadStep)
        where TOp : IVectorOp<TVec>
    {
        switch (rows)
        {
            case 6: Tile<TOp, SixRows>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
            case 5: Tile<TOp, FiveRows>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
            case 4: Tile<TOp, FourRows>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
            case 3: Tile<TOp, ThreeRows>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
            case 2: Tile<TOp, TwoRows>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
            default: Tile<TOp, OneRow>(kc, a, lda, b, c, ldc, bias, accumulate, finish, ahead, aheadStep); break;
        }
    }

    /// <summary>
    /// C[TRows, Columns] (row stride <paramref name="ldc"/>) = (accumulate ? C : 0) + A·B; when
    /// <paramref name="finish"/>, also adds the bias and applies <typeparamref name="TOp"/>. Meanwhile it
    /// prefetches <paramref name="aheadStep"/> floats per k step from <paramref name="ahead"/>: the caller's
    /// share of the B block it needs next, so that block streams in from memory while this one is computed
    /// instead of all at once when its first tile starts. The row tests fold
    /// away at JIT time, leaving straight-line code for each height. Never inlined and compiled fully optimized
    /// from the first call: inlined into a caller, the kernel would spend the JIT's inlining budget and leave
    /// its own helpers as calls (seen as a 2× slower GELU layer in some processes and not others).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TOp, TRows>(int kc, float* a, int lda, float* b, float* c, int ldc, float* bias, bool accumulate, bool finish,
        float* ahead, int aheadStep)
        where TOp : IVectorOp<TVec> where TRows : ITileRows
    {
        int n = TS.Count, rows = TRows.Value;
        TVec c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TVec c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        // The tile's C rows are needed only after the k loop; start fetching them now (both ends of each row,
        // which spans two cache lines at 512 bits or when unaligned).
        for (int i = 0; i < rows; i++)
        {
            Prefetch.L1(c + i * ldc);
            Prefetch.L1(c + i * ldc + 2 * n - 1);
        }
        float* row0 = a, row1 = a + lda, row2 = a + 2 * lda, row3 = a + 3 * lda, row4 = a + 4 * lda, row5 = a + 5 * lda;
        for (int k = 0; k < kc; k++)
        {
            TVec b0 = TS.Load(b), b1 = TS.Load(b + n);
            Prefetch.L1(b + PrefetchSteps * 2 * n);
            Prefetch.L1(b + PrefetchSteps * 2 * n + n);
            Prefetch.L1(ahead);
            Prefetch.L1(ahead + n);
            ahead += aheadStep;
            TVec a0 = TS.Create(row0[k]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            if (rows > 1)
            {
                TVec a1 = TS.Create(row1[k]);
                c10 = TS.MultiplyAdd(a1, b0, c10);
                c11 = TS.MultiplyAdd(a1, b1, c11);
            }
            if (rows > 2)
            {
                TVec a2 = TS.Create(row2[k]);
                c20 = TS.MultiplyAdd(a2, b0, c20);
                c21 = TS.MultiplyAdd(a2, b1, c21);
            }
            if (rows > 3)
            {
                TVec a3 = TS.Create(row3[k]);
                c30 = TS.MultiplyAdd(a3, b0, c30);
                c31 = TS.MultiplyAdd(a3, b1, c31);
            }
            if (rows > 4)
            {
                TVec a4 = TS.Create(row4[k]);
                c40 = TS.MultiplyAdd(a4, b0, c40);
                c41 = TS.MultiplyAdd(a4, b1, c41);
            }
            if (rows > 5)
            {
                TVec a5 = TS.Create(row5[k]);
                c50 = TS.MultiplyAdd(a5, b0, c50);
                c51 = TS.MultiplyAdd(a5, b1, c51);
            }
            b += 2 * n;
        }
        StoreRow(c00, c01, c, bias, accumulate, finish);
        if (rows > 1) StoreRow(c10, c11, c + ldc, bias, accumulate, finish);
        if (rows > 2) StoreRow(c20, c21, c + 2 * ldc, bias, accumulate, finish);
        if (rows > 3) StoreRow(c30, c31, c + 3 * ldc, bias, accumulate, finish);
        if (rows > 4) StoreRow(c40, c41, c + 4 * ldc, bias, accumulate, finish);
        if (rows > 5) StoreRow(c50, c51, c + 5 * ldc, bias, accumulate, finish);
        if (finish && typeof(TOp) != typeof(IdentityOp<TS, TVec>)) Activate<TOp>(c, ldc, rows);
    }

    /// <summary>The epilogue for one row of the tile: K-block accumulation and bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(TVec v0, TVec v1, float* c, float* bias, bool accumulate, bool finish)
    {
        int n = TS.Count;
        if (accumulate)
        {
            v0 = TS.Add(v0, TS.Load(c));
            v1 = TS.Add(v1, TS.Load(c + n));
        }
        if (finish)
        {
            v0 = TS.Add(v0, TS.Load(bias));
            v1 = TS.Add(v1, TS.Load(bias + n));
        }
        TS.Store(v0, c);
        TS.Store(v1, c + n);
    }

    /// <summary>
    /// Applies the activation to the finished tile, still in L1; one small loop, so its (long) body is
    /// inlined once rather than twelve times.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Activate<TOp>(float* c, int ldc, int rows) where TOp : IVectorOp<TVec>
    {
        int n = TS.Count;
        for (int i = 0; i < rows; i++, c += ldc)
        {
            TS.Store(TOp.Invoke(TS.Load(c)), c);
            TS.Store(TOp.Invoke(TS.Load(c + n)), c + n);
        }
    }
}
