using System.Runtime.ExceptionServices;

namespace EmbedRt.Kernels.Cpu.Threading;

/// <summary>
/// A fixed set of persistent worker threads plus the calling thread, pulling task numbers of one job at a time
/// from a shared counter. Workers sleep on a semaphore between jobs (SemaphoreSlim spins briefly first, so
/// back-to-back kernel calls wake them cheaply); dispatch allocates nothing.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _start = new(0);
    private readonly ManualResetEventSlim _done = new(false);
    private readonly Lock _gate = new();
    private ParallelJob? _job;
    private int _taskCount;
    private int _nextTask;
    private int _running;
    private Exception? _failure;
    private volatile bool _disposed;

    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"EmbedRt kernel worker {i + 1}" };
            _threads[i].Start(i + 1);
        }
    }

    /// <summary>Workers including the calling thread.</summary>
    public int Workers => _threads.Length + 1;

    /// <summary>Runs tasks 0..taskCount-1 of <paramref name="job"/> and returns when all are done.</summary>
    public void Run(ParallelJob job, int taskCount)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int helpers = Math.Min(_threads.Length, taskCount - 1);
        if (helpers <= 0)
        {
            for (int task = 0; task < taskCount; task++) job.Execute(task, 0);
            return;
        }
        lock (_gate)
        {
            _job = job;
            _taskCount = taskCount;
            _nextTask = 0;
            _failure = null;
            _running = helpers;
            _done.Reset();
            _start.Release(helpers);
            Drain(0);
            _done.Wait();
            _job = null;
            if (_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
        }
    }

    private void Drain(int worker)
    {
        try
        {
            int task;
            while ((task = Interlocked.Increment(ref _nextTask) - 1) < _taskCount) _job!.Execute(task, worker);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _nextTask, _taskCount);
        }
    }

    private void WorkerLoop(object? state)
    {
        int worker = (int)state!;
        while (true)
        {
            _start.Wait();
            if (_disposed) return;
            Drain(worker);
            if (Interlocked.Decrement(ref _running) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
    }
}
