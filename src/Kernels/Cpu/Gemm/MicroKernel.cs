using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>
/// The register-blocked inner kernel: a <see cref="Rows"/> × (2 vectors) tile of C held in 12 accumulators,
/// updated with one fused multiply-add per accumulator per k from a packed A micro-panel ([k][Rows], broadcast)
/// and a packed B micro-panel ([k][2 vectors]). 12 accumulators + 2 B vectors + 1 broadcast fit the 16 AVX2
/// registers and hide the FMA latency on two pipes (4-cycle latency × 2 pipes needs ≥ 8 chains).
/// </summary>
internal static unsafe class MicroKernel<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    public const int Rows = 6;

    public static int Columns => 2 * TS.Count;

    /// <summary>
    /// C[Rows, Columns] (row stride <paramref name="ldc"/>) = (accumulate ? C : 0) + A·B; when
    /// <paramref name="finish"/>, also adds the bias and applies <typeparamref name="TOp"/>.
    /// </summary>
    public static void Tile<TOp>(int kc, float* a, float* b, float* c, int ldc, float* bias, bool accumulate, bool finish)
        where TOp : IVectorOp<TVec>
    {
        int n = TS.Count;
        TVec c00 = TS.Zero, c01 = TS.Zero, c10 = TS.Zero, c11 = TS.Zero, c20 = TS.Zero, c21 = TS.Zero;
        TVec c30 = TS.Zero, c31 = TS.Zero, c40 = TS.Zero, c41 = TS.Zero, c50 = TS.Zero, c51 = TS.Zero;
        // The tile's C rows are needed only after the k loop; start fetching them now (both ends of each row,
        // which spans two cache lines at 512 bits or when unaligned).
        for (int i = 0; i < Rows; i++)
        {
            Prefetch.L1(c + i * ldc);
            Prefetch.L1(c + i * ldc + 2 * n - 1);
        }
        for (int k = 0; k < kc; k++)
        {
            TVec b0 = TS.Load(b), b1 = TS.Load(b + n);
            Prefetch.L1(b + 16 * n);
            TVec a0 = TS.Create(a[0]);
            c00 = TS.MultiplyAdd(a0, b0, c00);
            c01 = TS.MultiplyAdd(a0, b1, c01);
            TVec a1 = TS.Create(a[1]);
            c10 = TS.MultiplyAdd(a1, b0, c10);
            c11 = TS.MultiplyAdd(a1, b1, c11);
            TVec a2 = TS.Create(a[2]);
            c20 = TS.MultiplyAdd(a2, b0, c20);
            c21 = TS.MultiplyAdd(a2, b1, c21);
            TVec a3 = TS.Create(a[3]);
            c30 = TS.MultiplyAdd(a3, b0, c30);
            c31 = TS.MultiplyAdd(a3, b1, c31);
            TVec a4 = TS.Create(a[4]);
            c40 = TS.MultiplyAdd(a4, b0, c40);
            c41 = TS.MultiplyAdd(a4, b1, c41);
            TVec a5 = TS.Create(a[5]);
            c50 = TS.MultiplyAdd(a5, b0, c50);
            c51 = TS.MultiplyAdd(a5, b1, c51);
            a += Rows;
            b += 2 * n;
        }
        StoreRow<TOp>(c00, c01, c, bias, accumulate, finish);
        StoreRow<TOp>(c10, c11, c + ldc, bias, accumulate, finish);
        StoreRow<TOp>(c20, c21, c + 2 * ldc, bias, accumulate, finish);
        StoreRow<TOp>(c30, c31, c + 3 * ldc, bias, accumulate, finish);
        StoreRow<TOp>(c40, c41, c + 4 * ldc, bias, accumulate, finish);
        StoreRow<TOp>(c50, c51, c + 5 * ldc, bias, accumulate, finish);
    }

    /// <summary>The epilogue for one row of the tile: K-block accumulation, bias, activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOp>(TVec v0, TVec v1, float* c, float* bias, bool accumulate, bool finish)
        where TOp : IVectorOp<TVec>
    {
        int n = TS.Count;
        if (accumulate)
        {
            v0 = TS.Add(v0, TS.Load(c));
            v1 = TS.Add(v1, TS.Load(c + n));
        }
        if (finish)
        {
            v0 = TOp.Invoke(TS.Add(v0, TS.Load(bias)));
            v1 = TOp.Invoke(TS.Add(v1, TS.Load(bias + n)));
        }
        TS.Store(v0, c);
        TS.Store(v1, c + n);
    }
}
