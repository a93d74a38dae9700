using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Normalization;

/// <summary>Spreads rows of <see cref="LayerNorm{TS,TVec}"/> over the pool in contiguous chunks.</summary>
internal sealed unsafe class LayerNormJob<TS, TVec> : ParallelJob where TS : ISimd<TVec> where TVec : unmanaged
{
    /// <summary>Below this many elements the whole call runs on the calling thread.</summary>
    private const int SerialElements = 1 << 15;

    private readonly WorkerPool _pool;
    private float* _x, _residual, _gamma, _beta, _y;
    private float _eps;
    private int _rows, _cols, _rowsPerTask;

    public LayerNormJob(WorkerPool pool) => _pool = pool;

    public void Run(float* x, float* residual, float* gamma, float* beta, float eps, int rows, int cols, float* y)
    {
        _x = x;
        _residual = residual;
        _gamma = gamma;
        _beta = beta;
        _y = y;
        _eps = eps;
        _rows = rows;
        _cols = cols;
        int tasks = (long)rows * cols < SerialElements ? 1 : Math.Min(rows, 4 * _pool.Workers);
        _rowsPerTask = (rows + tasks - 1) / tasks;
        _pool.Run(this, (rows + _rowsPerTask - 1) / _rowsPerTask);
    }

    public override void Execute(int task, int worker)
    {
        int end = Math.Min(_rows, (task + 1) * _rowsPerTask);
        for (int r = task * _rowsPerTask; r < end; r++)
        {
            long offset = (long)r * _cols;
            LayerNorm<TS, TVec>.Row(_x + offset, _residual == null ? null : _residual + offset, _gamma, _beta, _eps,
                _cols, _y + offset);
        }
    }
}
