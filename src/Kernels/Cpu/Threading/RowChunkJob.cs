namespace EmbedRt.Kernels.Cpu.Threading;

/// <summary>
/// A job over independent rows, spread over the pool in contiguous chunks (a few per worker, for balance);
/// small calls run on the calling thread, where waking workers would cost more than the work.
/// </summary>
internal abstract class RowChunkJob : ParallelJob
{
    /// <summary>Below this many elements the whole call runs on the calling thread.</summary>
    private const int SerialElements = 1 << 15;

    private readonly WorkerPool _pool;
    private int _rows, _rowsPerTask;

    protected RowChunkJob(WorkerPool pool) => _pool = pool;

    /// <summary>Runs <see cref="Row"/> for rows 0..rows-1 of <paramref name="cols"/> elements each.</summary>
    protected void RunRows(int rows, int cols)
    {
        if (rows == 0) return;
        _rows = rows;
        int tasks = (long)rows * cols < SerialElements ? 1 : Math.Min(rows, 4 * _pool.Workers);
        _rowsPerTask = (rows + tasks - 1) / tasks;
        _pool.Run(this, (rows + _rowsPerTask - 1) / _rowsPerTask);
    }

    public sealed override void Execute(int task, int worker)
    {
        int end = Math.Min(_rows, (task + 1) * _rowsPerTask);
        for (int r = task * _rowsPerTask; r < end; r++) Row(r);
    }

    protected abstract void Row(int row);
}
