using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Gemm;
using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>The int8 GEMM at one instruction set, behind a non-generic face for <see cref="CpuKernels"/>.</summary>
internal interface IInt8Gemm
{
    /// <summary>Output features per weight panel.</summary>
    int PanelWidth { get; }

    /// <summary>The dot-product instructions it runs on, e.g. "avx-vnni".</summary>
    string Name { get; }

    unsafe void Run(float* x, int rows, PackedInt8Linear weights, float* y, Activation activation);
}

/// <summary>
/// y = act(x·Wᵀ + b) with int8 W (<see cref="PackedInt8Linear"/>): first every row of x is quantized (a row job
/// over the pool), then tasks of (row block, column block) as in the float GEMM (<see cref="GemmTiling"/>): each
/// weight panel sweeps the task's rows one <see cref="Int8MicroKernel{TQ, TInt, TS, TFloat}"/> tile at a time.
/// Quantized rows are a quarter of their float size, so a row block stays in L2 over the whole depth.
/// </summary>
internal sealed unsafe class Int8GemmJob<TQ, TInt, TS, TFloat> : ParallelJob, IInt8Gemm
    where TQ : IInt8Dot<TInt, TFloat> where TS : ISimd<TFloat> where TInt : unmanaged where TFloat : unmanaged
{
    private const int Rows = Int8MicroKernel<TQ, TInt, TS, TFloat>.Rows;

    /// <summary>Below this many multiply-adds a call runs on the calling thread alone.</summary>
    private const long SerialWork = 1 << 19;

    /// <summary>Row block: 144 rows × at most 4096 bytes, inside a 1 MiB L2 with the weight panel.</summary>
    private const int MaxRowBlock = 24 * Rows;

    private readonly WorkerPool _pool;
    private readonly QuantizeJob _quantize;
    private byte[] _activations = [];
    private float[] _rowScales = [];
    private int[] _zeroPoints = [];
    private byte* _a;
    private float* _scales;
    private int* _zeros;
    private float* _y;
    private PackedInt8Linear? _weights;
    private Activation _activation;
    private GemmTiling _tiling;

    public Int8GemmJob(WorkerPool pool)
    {
        _pool = pool;
        _quantize = new QuantizeJob(pool);
    }

    public int PanelWidth => Int8MicroKernel<TQ, TInt, TS, TFloat>.Columns;

    public string Name => TQ.Name;

    public void Run(float* x, int rows, PackedInt8Linear weights, float* y, Activation activation)
    {
        if (rows == 0) return;
        int lda = weights.PaddedDepth;
        long bytes = (long)rows * lda;
        if (_activations.LongLength < bytes) _activations = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
        if (_rowScales.Length < rows)
        {
            _rowScales = GC.AllocateUninitializedArray<float>(rows, pinned: true);
            _zeroPoints = GC.AllocateUninitializedArray<int>(rows, pinned: true);
        }
        fixed (byte* a = _activations)
        fixed (float* scales = _rowScales)
        fixed (int* zeros = _zeroPoints)
        {
            _quantize.Run(x, rows, weights.InFeatures, a, lda, scales, zeros);
            int workers = (long)rows * weights.OutFeatures * weights.InFeatures < SerialWork ? 1 : _pool.Workers;
            _tiling = new GemmTiling(rows, weights.PanelCount, workers, MaxRowBlock, Rows);
            _a = a;
            _scales = scales;
            _zeros = zeros;
            _y = y;
            _weights = weights;
            _activation = activation;
            try
            {
                _pool.Run(this, _tiling.Tasks);
            }
            finally
            {
                _weights = null;
            }
        }
    }

    public override void Execute(int task, int worker)
    {
        switch (_activation)
        {
            case Activation.None: RunTask<IdentityOp<TS, TFloat>>(task); break;
            case Activation.GeluErf: RunTask<GeluErfOp<TS, TFloat>>(task); break;
            case Activation.GeluTanh: RunTask<GeluTanhOp<TS, TFloat>>(task); break;
            case Activation.Relu: RunTask<ReluOp<TS, TFloat>>(task); break;
            case Activation.Tanh: RunTask<TanhOp<TS, TFloat>>(task); break;
            default: throw new ArgumentOutOfRangeException(nameof(_activation), _activation, "unknown activation");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunTask<TOp>(int task) where TOp : IVectorOp<TFloat>
    {
        var w = _weights!;
        int n = w.OutFeatures, nr = PanelWidth, lda = w.PaddedDepth;
        var (firstRow, rowCount, firstPanel, endPanel) = _tiling.Task(task);
        float* edge = stackalloc float[Rows * nr];
        for (int p = firstPanel; p < endPanel; p++)
        {
            sbyte* b = w.Panel(p);
            int column = p * nr, columns = Math.Min(nr, n - column);
            for (int r = 0; r < rowCount; r += Rows)
            {
                int tileRows = Math.Min(Rows, rowCount - r), row = firstRow + r;
                byte* a = _a + (long)row * lda;
                float* c = _y + (long)row * n + column;
                if (columns == nr)
                {
                    Int8MicroKernel<TQ, TInt, TS, TFloat>.Tile<TOp>(tileRows, w.Groups, a, lda, _scales + row, _zeros + row, b, w, column, c, n);
                    continue;
                }
                // Edge tile: compute the full width in a scratch tile, copy back the part inside y.
                Int8MicroKernel<TQ, TInt, TS, TFloat>.Tile<TOp>(tileRows, w.Groups, a, lda, _scales + row, _zeros + row, b, w, column, edge, nr);
                for (int i = 0; i < tileRows; i++)
                    new ReadOnlySpan<float>(edge + i * nr, columns).CopyTo(new Span<float>(c + (long)i * n, columns));
            }
        }
    }

    /// <summary>Quantizes rows of x into the activation bytes, row scales and zero points.</summary>
    private sealed class QuantizeJob(WorkerPool pool) : RowChunkJob(pool)
    {
        private float* _x, _scales;
        private int* _zeros;
        private byte* _q;
        private int _k, _lda;

        public void Run(float* x, int rows, int k, byte* q, int lda, float* scales, int* zeros)
        {
            _zeros = zeros;
            _x = x;
            _k = k;
            _q = q;
            _lda = lda;
            _scales = scales;
            RunRows(rows, k);
        }

        protected override void Row(int row)
            => _scales[row] = ActivationQuantizer.Row(_x + (long)row * _k, _k, _q + (long)row * _lda, _lda, out _zeros[row]);
    }
}
