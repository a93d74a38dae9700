using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Normalization;

/// <summary>Spreads rows of <see cref="LayerNorm{TS,TVec}"/> (with or without a residual) over the pool.</summary>
internal sealed unsafe class LayerNormJob<TS, TVec>(WorkerPool pool) : RowChunkJob(pool)
    where TS : ISimd<TVec> where TVec : unmanaged
{
    private float* _x, _residual, _gamma, _beta, _y;
    private float _eps;
    private int _cols;

    public void Run(float* x, float* residual, float* gamma, float* beta, float eps, int rows, int cols, float* y)
    {
        _x = x;
        _residual = residual;
        _gamma = gamma;
        _beta = beta;
        _y = y;
        _eps = eps;
        _cols = cols;
        RunRows(rows, cols);
    }

    protected override void Row(int row)
    {
        long offset = (long)row * _cols;
        LayerNorm<TS, TVec>.Row(_x + offset, _residual == null ? null : _residual + offset, _gamma, _beta, _eps, _cols,
            _y + offset);
    }
}
