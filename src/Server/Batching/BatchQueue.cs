using System.Diagnostics;

namespace EmbedRt.Server.Batching;

/// <summary>
/// One model's queue and forward thread: jobs from many requests wait here and the thread takes them in arrival
/// order into batches under a token budget (and an optional request count), so concurrent clients share padding-free
/// forward passes. A job whose client leaves while it waits is removed. Closing finishes the queued jobs first.
/// </summary>
internal sealed class BatchQueue : IDisposable
{
    private readonly object _gate = new();
    private readonly LinkedList<QueuedJob> _pending = new();
    private readonly Action<IReadOnlyList<QueuedJob>> _runBatch;
    private readonly Action<int, int> _onBatch;
    private readonly int _maxTokens;
    private readonly int _maxRequests;
    private readonly Thread _thread;
    private bool _closed;

    /// <param name="name">Names the forward thread.</param>
    /// <param name="runBatch">Runs one batch and completes its jobs; an exception fails them (see <see cref="RunIsolated"/>).</param>
    /// <param name="onBatch">Told the job count and token count of every batch taken.</param>
    /// <param name="maxTokens">Token budget of a batch (a single larger job still runs alone).</param>
    /// <param name="maxRequests">Most jobs in a batch.</param>
    public BatchQueue(string name, Action<IReadOnlyList<QueuedJob>> runBatch, Action<int, int> onBatch, int maxTokens, int maxRequests)
    {
        _runBatch = runBatch;
        _onBatch = onBatch;
        _maxTokens = maxTokens;
        _maxRequests = maxRequests;
        _thread = new Thread(Loop) { Name = $"forward {name}", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Jobs waiting (not yet taken into a batch).</summary>
    public int Count
    {
        get { lock (_gate) return _pending.Count; }
    }

    /// <summary>Queues a job; when <paramref name="cancellation"/> fires before the job is taken, the job leaves the queue.</summary>
    /// <exception cref="ObjectDisposedException">The queue is closed.</exception>
    public void Enqueue(QueuedJob job, CancellationToken cancellation)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            job.EnqueuedAt = Stopwatch.GetTimestamp();
            job.Node = _pending.AddLast(job);
            Monitor.Pulse(_gate);
        }
        if (cancellation.CanBeCanceled) job.Cancellation = cancellation.Register(() => Remove(job));
    }

    private void Remove(QueuedJob job)
    {
        lock (_gate)
        {
            if (job.Node is null) return;
            _pending.Remove(job.Node);
            job.Node = null;
        }
        job.Cancel();
    }

    private void Loop()
    {
        var batch = new List<QueuedJob>();
        while (true)
        {
            batch.Clear();
            int tokens = 0;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_closed) Monitor.Wait(_gate);
                if (_pending.Count == 0) return;
                while (_pending.First is { } node && batch.Count < _maxRequests
                       && (batch.Count == 0 || tokens + node.Value.Tokens <= _maxTokens))
                {
                    _pending.RemoveFirst();
                    node.Value.Node = null;
                    tokens += node.Value.Tokens;
                    batch.Add(node.Value);
                }
            }
            long now = Stopwatch.GetTimestamp();
            foreach (var job in batch)
            {
                job.Cancellation.Dispose();
                job.StartedAt = now;
            }
            _onBatch(batch.Count, tokens);
            RunIsolated(batch);
        }
    }

    /// <summary>
    /// Runs the batch; if the merged pass fails, runs each job alone so that one bad input fails only its own
    /// request. Nothing thrown here escapes the forward thread.
    /// </summary>
    private void RunIsolated(List<QueuedJob> batch)
    {
        try
        {
            _runBatch(batch);
            return;
        }
        catch (Exception) when (batch.Count > 1)
        {
        }
        catch (Exception e)
        {
            batch[0].Fail(e);
            return;
        }
        foreach (var job in batch)
        {
            if (job.IsCompleted) continue; // answered before the merged pass failed
            try
            {
                _runBatch([job]);
            }
            catch (Exception e)
            {
                job.Fail(e);
            }
        }
    }

    /// <summary>Refuses new jobs, lets the thread finish those queued, and waits for it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
    }
}
