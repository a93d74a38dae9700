using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace EmbedRt.Kernels.Cpu.Threading;

/// <summary>
/// A fixed set of persistent worker threads plus the calling thread, pulling task numbers of one job at a time
/// from a shared counter. A forward pass is a string of short jobs with microseconds between them, and waking a
/// blocked thread costs tens of microseconds (more on a VM), so workers and the caller first spin for up to
/// <see cref="SpinTime"/> watching for the next job (or the last worker), and only then block. Dispatch
/// allocates nothing.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private static readonly long SpinTime = Stopwatch.Frequency / 5000; // 200 µs

    private readonly Thread[] _threads;
    private readonly Lock _gate = new();
    private readonly object _wake = new();
    private readonly ManualResetEventSlim _done = new(false);
    private ParallelJob? _job;
    private int _generation;
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
        if (_threads.Length == 0 || taskCount <= 1)
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
            _running = _threads.Length;
            _done.Reset();
            lock (_wake)
            {
                _generation++;
                Monitor.PulseAll(_wake);
            }
            Drain(0);
            long deadline = Stopwatch.GetTimestamp() + SpinTime;
            while (Volatile.Read(ref _running) != 0 && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(20);
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
        int worker = (int)state!, handled = 0;
        while (true)
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTime;
            while (Volatile.Read(ref _generation) == handled && !_disposed && Stopwatch.GetTimestamp() < deadline)
                Thread.SpinWait(20);
            lock (_wake)
                while (_generation == handled && !_disposed) Monitor.Wait(_wake);
            if (_disposed) return;
            handled = _generation;
            Drain(worker);
            if (Interlocked.Decrement(ref _running) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_wake) Monitor.PulseAll(_wake);
    }
}
