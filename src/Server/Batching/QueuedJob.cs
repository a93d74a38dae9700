using System.Diagnostics;

namespace EmbedRt.Server.Batching;

/// <summary>A request's share of work waiting in a model's queue; its token count decides how batches are cut.</summary>
internal abstract class QueuedJob(int tokens)
{
    /// <summary>Tokens the encoder runs for this job.</summary>
    public int Tokens { get; } = tokens;

    /// <summary>Stopwatch timestamp when the job entered the queue.</summary>
    public long EnqueuedAt { get; set; }

    /// <summary>Stopwatch timestamp when the forward thread took the job into a batch.</summary>
    public long StartedAt { get; set; }

    /// <summary>Its place in the queue while waiting (null once taken or removed).</summary>
    internal LinkedListNode<QueuedJob>? Node { get; set; }

    internal CancellationTokenRegistration Cancellation { get; set; }

    public TimeSpan QueueTime => Stopwatch.GetElapsedTime(EnqueuedAt, StartedAt);

    public abstract void Fail(Exception error);

    public abstract void Cancel();
}

/// <summary>A job over several items (inputs) yielding one output per item, in order.</summary>
internal sealed class BatchJob<TItem, TOutput>(TItem[] items, int tokens) : QueuedJob(tokens)
{
    private readonly TaskCompletionSource<TOutput[]> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TItem[] Items => items;

    /// <summary>The outputs, or the failure; cancelled when the client left before the job ran.</summary>
    public Task<TOutput[]> Result => _result.Task;

    public void Complete(TOutput[] outputs) => _result.TrySetResult(outputs);

    public override void Fail(Exception error) => _result.TrySetException(error);

    public override void Cancel() => _result.TrySetCanceled();

    /// <summary>
    /// Runs the items of all <paramref name="jobs"/> through <paramref name="run"/> in one call (one batched forward
    /// pass for many requests) and hands each job its slice of the outputs.
    /// </summary>
    public static void RunMerged(IEnumerable<QueuedJob> jobs, Func<TItem[], TOutput[]> run)
    {
        var mine = jobs.OfType<BatchJob<TItem, TOutput>>().ToArray();
        if (mine.Length == 0) return;
        var outputs = run(mine.Length == 1 ? mine[0].Items : mine.SelectMany(job => job.Items).ToArray());
        int offset = 0;
        foreach (var job in mine)
        {
            job.Complete(outputs[offset..(offset + job.Items.Length)]);
            offset += job.Items.Length;
        }
    }
}
