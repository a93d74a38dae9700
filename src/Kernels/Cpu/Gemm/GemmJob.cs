using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>
/// y = act(x·Wᵀ + b) with W pre-packed (<see cref="PackedLinear"/>). BLIS-style blocking: per task, for each
/// K block of <see cref="DepthBlock"/>, every B micro-panel of the task's columns (L1-resident, DepthBlock × 2
/// vectors) sweeps the task's rows of x (an L2-resident block) one micro-tile at a time. x is read in place,
/// six row streams broadcast by the micro-kernel: packing it into micro-panels first cost up to 8 % of a
/// GEMM at N = 384 (a scalar transpose per element against N/16 FMAs) and bought nothing measurable, on
/// either width. Tasks are (row block, column block) pairs (<see cref="GemmTiling"/>) spread over the worker pool.
/// </summary>
internal sealed unsafe class GemmJob<TS, TVec> : ParallelJob where TS : ISimd<TVec> where TVec : unmanaged
{
    private const int Rows = MicroKernel<TS, TVec>.Rows;

    /// <summary>Below this many multiply-adds a call runs on the calling thread alone.</summary>
    private const long SerialWork = 1 << 18;

    /// <summary>
    /// K block: a B micro-panel (DepthBlock × 2 vectors) is 16 KiB at 256 bits, half of a 32 KiB L1, and
    /// measured no worse than 128 at 512 bits on Zen 4.
    /// </summary>
    private const int DepthBlock = 256;

    /// <summary>Row block: 144 × 256 floats of x = 144 KiB, well inside a 1 MiB L2.</summary>
    private const int MaxRowBlock = 24 * Rows;

    /// <summary>
    /// Row block for 16-bit weights: every task widens each weight block it uses once, so taller tasks widen
    /// less often (576 × 256 floats of x = 576 KiB, still inside a 1 MiB L2; 144-row blocks cost up to 20 %).
    /// </summary>
    private const int MaxHalfRowBlock = 4 * MaxRowBlock;

    /// <summary>
    /// A task of at most <see cref="FullDepthRows"/> rows whose rows of x fit this many floats (256 KiB) runs
    /// over the whole depth at once: each weight panel is then read once, front to back, and the weights
    /// stream through in one sequential pass that the hardware prefetchers follow. That matters when few rows
    /// share each weight (short batches): the weights then come from memory, not cache. With more rows the
    /// L1-sized K blocks win.
    /// </summary>
    private const int FullDepthFloats = 1 << 16;

    private const int FullDepthRows = 8 * Rows;
    private static int Columns => MicroKernel<TS, TVec>.Columns;

    private readonly WorkerPool _pool;

    private float* _x;
    private float* _y;
    private PackedLinear? _weights;
    private Activation _activation;
    private GemmTiling _tiling;
    private int _depthBlock;

    private readonly AlignedBuffer?[] _widened;

    public GemmJob(WorkerPool pool)
    {
        _pool = pool;
        _widened = new AlignedBuffer?[pool.Workers];
    }

    public static int PanelWidth => Columns;

    public void Run(float* x, int rows, PackedLinear weights, float* y, Activation activation)
    {
        if (rows == 0) return;
        int workers = (long)rows * weights.OutFeatures * weights.InFeatures < SerialWork ? 1 : _pool.Workers;
        int maxRowBlock = weights.HalfFormat is null ? MaxRowBlock : MaxHalfRowBlock;
        _tiling = new GemmTiling(rows, weights.PanelCount, workers, maxRowBlock, Rows);
        _x = x;
        _y = y;
        _weights = weights;
        _activation = activation;
        _depthBlock = Math.Min(rows, _tiling.RowBlock) <= FullDepthRows && (long)_tiling.RowBlock * weights.InFeatures <= FullDepthFloats ? weights.InFeatures : DepthBlock;
        if (weights.HalfFormat is not null)
            for (int i = 0; i < _widened.Length; i++) _widened[i] = AlignedBuffer.AtLeast(_widened[i], (long)_depthBlock * Columns);
        try
        {
            _pool.Run(this, _tiling.Tasks);
        }
        finally
        {
            _weights = null;
        }
    }

    public override void Execute(int task, int worker)
    {
        switch (_activation)
        {
            case Activation.None: RunTask<IdentityOp<TS, TVec>>(task, worker); break;
            case Activation.GeluErf: RunTask<GeluErfOp<TS, TVec>>(task, worker); break;
            case Activation.GeluTanh: RunTask<GeluTanhOp<TS, TVec>>(task, worker); break;
            case Activation.Relu: RunTask<ReluOp<TS, TVec>>(task, worker); break;
            case Activation.Tanh: RunTask<TanhOp<TS, TVec>>(task, worker); break;
            default: throw new ArgumentOutOfRangeException(nameof(_activation), _activation, "unknown activation");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TOp>(int task, int worker) where TOp : IVectorOp<TVec>
    {
        var w = _weights!;
        int k = w.InFeatures, n = w.OutFeatures, nr = Columns;
        var (firstRow, rowCount, firstPanel, endPanel) = _tiling.Task(task);
        float* edge = stackalloc float[Rows * nr];

        for (int depth = 0; depth < k; depth += _depthBlock)
        {
            int kc = Math.Min(_depthBlock, k - depth);
            bool accumulate = depth > 0, finish = depth + kc == k;
            // Every tile of a panel prefetches its slice of the next panel's block (the last panel re-reads its own).
            int panelFloatsPerK = w.HalfFormat is null ? nr : nr / 2;
            int tiles = (rowCount + Rows - 1) / Rows, aheadStep = (panelFloatsPerK + tiles - 1) / tiles;
            for (int p = firstPanel; p < endPanel; p++)
            {
                float* b, next;
                if (w.HalfFormat is { } format)
                {
                    // 16-bit weights: widen this panel's block once into L1 for all the task's tiles, which
                    // prefetch the next panel's 16-bit block (half as many bytes: read as floats, half the k steps).
                    b = _widened[worker]!.Pointer;
                    HalfConversion.Widen(w.HalfPanel(p) + (long)depth * nr, format, b, (long)kc * nr);
                    next = (float*)(w.HalfPanel(Math.Min(p + 1, w.PanelCount - 1)) + (long)depth * nr);
                }
                else
                {
                    b = w.Panel(p) + (long)depth * nr;
                    next = w.Panel(Math.Min(p + 1, w.PanelCount - 1)) + (long)depth * nr;
                }
                int column = p * nr, columns = Math.Min(nr, n - column);
                float* bias = w.Bias + column;
                for (int r = 0; r < rowCount; r += Rows)
                {
                    int tileRows = Math.Min(Rows, rowCount - r);
                    float* a = _x + (long)(firstRow + r) * k + depth;
                    float* c = _y + (long)(firstRow + r) * n + column;
                    float* ahead = next + (long)(r / Rows) * aheadStep * kc;
                    if (columns == nr)
                    {
                        MicroKernel<TS, TVec>.Tile<TOp>(tileRows, kc, a, k, b, c, n, bias, accumulate, finish, ahead, aheadStep);
                        continue;
                    }
                    // Edge tile: compute the full width in a scratch tile, copy back the part inside C.
                    if (accumulate) CopyTile(c, n, edge, nr, tileRows, columns);
                    MicroKernel<TS, TVec>.Tile<TOp>(tileRows, kc, a, k, b, edge, nr, bias, accumulate, finish, ahead, aheadStep);
                    CopyTile(edge, nr, c, n, tileRows, columns);
                }
            }
        }
    }

    private static void CopyTile(float* source, int sourceStride, float* destination, int destinationStride, int rows, int columns)
    {
        for (int i = 0; i < rows; i++)
            new ReadOnlySpan<float>(source + i * sourceStride, columns).CopyTo(new Span<float>(destination + i * destinationStride, columns));
    }
}
