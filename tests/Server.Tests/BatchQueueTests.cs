using EmbedRt.Server.Batching;

namespace EmbedRt.Server.Tests;

/// <summary>The per-model queue: token-budget packing, cancellation, isolation of a failing job, draining on close.</summary>
public sealed class BatchQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private sealed class Recorder
    {
        public readonly List<int[]> Batches = [];
        public readonly ManualResetEventSlim Gate = new(true);

        public void Run(IReadOnlyList<QueuedJob> batch)
        {
            Gate.Wait(Timeout);
            lock (Batches) Batches.Add(batch.Select(job => job.Tokens).ToArray());
            BatchJob<int, int>.RunMerged(batch, items => items.Select(x => x == -1 ? throw new ArgumentException("bad input") : x * 10).ToArray());
        }
    }

    private static BatchJob<int, int> Job(int tokens, params int[] items) => new(items, tokens);

    [Fact]
    public async Task Waiting_jobs_are_packed_under_the_token_budget_in_arrival_order()
    {
        var recorder = new Recorder();
        recorder.Gate.Reset();
        using var queue = new BatchQueue("test", recorder.Run, (_, _) => { }, maxTokens: 100, maxRequests: 3);
        var first = Job(10, 1);
        queue.Enqueue(first, CancellationToken.None);
        SpinWait.SpinUntil(() => queue.Count == 0, Timeout);
        var jobs = new[] { Job(60, 2), Job(30, 3), Job(20, 4), Job(5, 5), Job(5, 6), Job(5, 7) };
        foreach (var job in jobs) queue.Enqueue(job, CancellationToken.None);
        recorder.Gate.Set();
        await Task.WhenAll(jobs.Select(j => j.Result).Append(first.Result)).WaitAsync(Timeout);

        Assert.Equal(new[] { new[] { 10 }, [60, 30], [20, 5, 5], [5] }, recorder.Batches);
        Assert.Equal(new[] { 20 }, await jobs[0].Result);
        Assert.Equal(new[] { 70 }, await jobs[5].Result);
    }

    [Fact]
    public async Task A_cancelled_job_leaves_the_queue_and_never_runs()
    {
        var recorder = new Recorder();
        recorder.Gate.Reset();
        using var queue = new BatchQueue("test", recorder.Run, (_, _) => { }, maxTokens: 1000, maxRequests: 100);
        var running = Job(1, 1);
        queue.Enqueue(running, CancellationToken.None);
        SpinWait.SpinUntil(() => queue.Count == 0, Timeout);
        using var cancel = new CancellationTokenSource();
        var waiting = Job(7, 2);
        queue.Enqueue(waiting, cancel.Token);
        Assert.Equal(1, queue.Count);
        cancel.Cancel();
        Assert.Equal(0, queue.Count);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Result);
        recorder.Gate.Set();
        await running.Result.WaitAsync(Timeout);
        Assert.DoesNotContain(recorder.Batches, batch => batch.Contains(7));
    }

    [Fact]
    public async Task A_failing_job_fails_alone_when_merged_with_others()
    {
        var recorder = new Recorder();
        recorder.Gate.Reset();
        using var queue = new BatchQueue("test", recorder.Run, (_, _) => { }, maxTokens: 1000, maxRequests: 100);
        var blocker = Job(1, 0);
        queue.Enqueue(blocker, CancellationToken.None);
        SpinWait.SpinUntil(() => queue.Count == 0, Timeout);
        var good = Job(1, 4);
        var bad = Job(1, -1);
        var alsoGood = Job(1, 5);
        foreach (var job in new[] { good, bad, alsoGood }) queue.Enqueue(job, CancellationToken.None);
        recorder.Gate.Set();
        Assert.Equal(new[] { 40 }, await good.Result.WaitAsync(Timeout));
        Assert.Equal(new[] { 50 }, await alsoGood.Result.WaitAsync(Timeout));
        await Assert.ThrowsAsync<ArgumentException>(() => bad.Result);
    }

    [Fact]
    public async Task Closing_finishes_queued_jobs_and_refuses_new_ones()
    {
        var recorder = new Recorder();
        recorder.Gate.Reset();
        var queue = new BatchQueue("test", recorder.Run, (_, _) => { }, maxTokens: 1, maxRequests: 1);
        var jobs = Enumerable.Range(1, 5).Select(i => Job(1, i)).ToArray();
        foreach (var job in jobs) queue.Enqueue(job, CancellationToken.None);
        var closing = Task.Run(queue.Dispose);
        recorder.Gate.Set();
        await closing.WaitAsync(Timeout);
        Assert.All(jobs, job => Assert.True(job.Result.IsCompletedSuccessfully));
        Assert.Throws<ObjectDisposedException>(() => queue.Enqueue(Job(1, 9), CancellationToken.None));
        await Task.CompletedTask;
    }

    /// <summary>A merged batch answers each job once its own items are in, not when the whole call returns.</summary>
    [Fact]
    public async Task Progressive_run_completes_each_job_when_its_items_are_done()
    {
        var a = Job(10, 1, 2);
        var b = Job(10, 3);
        var c = Job(10, 4, 5);
        var seen = new List<string>();
        BatchJob<int, int>.RunMergedProgressively([a, b, c], (items, done) =>
        {
            Assert.Equal([1, 2, 3, 4, 5], items);
            done(2, 30);              // b's only item first
            seen.Add($"b {b.IsCompleted} a {a.IsCompleted}");
            done(0, 10);
            done(4, 50);
            seen.Add($"a {a.IsCompleted} c {c.IsCompleted}");
            done(1, 20);
            done(3, 40);
            seen.Add($"a {a.IsCompleted} c {c.IsCompleted}");
        });
        Assert.Equal(["b True a False", "a False c False", "a True c True"], seen);
        Assert.Equal(new[] { 10, 20 }, await a.Result);
        Assert.Equal(new[] { 30 }, await b.Result);
        Assert.Equal(new[] { 40, 50 }, await c.Result);

        var lost = Job(10, 7);
        Assert.Throws<InvalidOperationException>(() => BatchJob<int, int>.RunMergedProgressively([lost], (_, _) => { }));
    }

    /// <summary>When a merged pass fails after answering some jobs, only the others are rerun alone.</summary>
    [Fact]
    public async Task A_failing_progressive_batch_reruns_only_the_unanswered_jobs()
    {
        var runs = new List<int[]>();
        void Run(IReadOnlyList<QueuedJob> batch)
        {
            lock (runs) runs.Add(batch.Select(j => ((BatchJob<int, int>)j).Items[0]).ToArray());
            BatchJob<int, int>.RunMergedProgressively(batch, (items, done) =>
            {
                for (int i = 0; i < items.Length; i++)
                {
                    if (items[i] == -1 && items.Length > 1) throw new ArgumentException("merged pass failed");
                    done(i, items[i] * 10);
                }
            });
        }
        var gate = new ManualResetEventSlim(false);
        using var queue = new BatchQueue("test", batch => { gate.Wait(Timeout); Run(batch); }, (_, _) => { }, maxTokens: 100, maxRequests: 10);
        var blocker = Job(10, 0);
        queue.Enqueue(blocker, CancellationToken.None);
        SpinWait.SpinUntil(() => queue.Count == 0, Timeout);
        var jobs = new[] { Job(10, 1), Job(10, -1), Job(10, 3) };
        foreach (var job in jobs) queue.Enqueue(job, CancellationToken.None);
        gate.Set();
        Assert.Equal(new[] { 10 }, await jobs[0].Result.WaitAsync(Timeout));
        Assert.Equal(new[] { -10 }, await jobs[1].Result.WaitAsync(Timeout)); // alone it runs
        Assert.Equal(new[] { 30 }, await jobs[2].Result.WaitAsync(Timeout));
        await blocker.Result.WaitAsync(Timeout);
        lock (runs) Assert.Equal(new[] { new[] { 0 }, [1, -1, 3], [-1], [3] }, runs); // job 1 was answered: not rerun
    }
}
