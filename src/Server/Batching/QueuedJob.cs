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

    /// <summary>Whether the job has its outputs, failed, or was cancelled.</summary>
    public abstract bool IsCompleted { get; }

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

    public override bool IsCompleted => _result.Task.IsCompleted;

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

    /// <summary>
    /// <see cref="RunMerged"/> for a <paramref name="run"/> that reports each item's output (item index, output) as soon
    /// as it has it: a job completes, and its request is answered, once its own items are in, not when the whole
    /// merged call returns.
    /// </summary>
    public static void RunMergedProgressively(IEnumerable<QueuedJob> jobs, Action<TItem[], Action<int, TOutput>> run)
    {
        var mine = jobs.OfType<BatchJob<TItem, TOutput>>().ToArray();
        if (mine.Length == 0) return;
        var jobOf = new int[mine.Sum(job => job.Items.Length)];
        var firstItem = new int[mine.Length];
        for (int j = 0, offset = 0; j < mine.Length; offset += mine[j].Items.Length, j++)
        {
            firstItem[j] = offset;
            jobOf.AsSpan(offset, mine[j].Items.Length).Fill(j);
        }
        var outputs = mine.Select(job => new TOutput[job.Items.Length]).ToArray();
        var remaining = mine.Select(job => job.Items.Length).ToArray();
        run(mine.Length == 1 ? mine[0].Items : mine.SelectMany(job => job.Items).ToArray(), (item, output) =>
        {
            int j = jobOf[item];
            outputs[j][item - firstItem[j]] = output;
            if (--remaining[j] == 0) mine[j].Complete(outputs[j]);
        });
        if (remaining.Any(r => r > 0)) throw new InvalidOperationException("the run did not report every item");
    }
}
