using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Tests;

public class WorkerPoolTests
{
    private sealed class CountingJob(int tasks) : ParallelJob
    {
        public readonly int[] Runs = new int[tasks];
        public readonly HashSet<int> Workers = [];

        public override void Execute(int task, int worker)
        {
            Interlocked.Increment(ref Runs[task]);
            lock (Workers) Workers.Add(worker);
        }
    }

    private sealed class FailingJob(int failAt) : ParallelJob
    {
        public override void Execute(int task, int worker)
        {
            if (task == failAt) throw new InvalidOperationException($"task {task} failed");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void RunsEveryTaskExactlyOnce(int threads)
    {
        using var pool = new WorkerPool(threads);
        foreach (int tasks in new[] { 0, 1, 2, 7, 1000 })
            for (int repeat = 0; repeat < 20; repeat++)
            {
                var job = new CountingJob(tasks);
                pool.Run(job, tasks);
                Assert.All(job.Runs, count => Assert.Equal(1, count));
                Assert.All(job.Workers, worker => Assert.InRange(worker, 0, threads - 1));
            }
    }

    [Fact]
    public void WakesWorkersThatHaveGoneToSleep()
    {
        using var pool = new WorkerPool(3);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            Thread.Sleep(5); // longer than the spin time: the workers block and must be woken
            var job = new CountingJob(64);
            pool.Run(job, 64);
            Assert.All(job.Runs, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public void ReportsATaskFailureAndKeepsWorking()
    {
        using var pool = new WorkerPool(3);
        var error = Assert.Throws<InvalidOperationException>(() => pool.Run(new FailingJob(37), 100));
        Assert.Equal("task 37 failed", error.Message);
        var job = new CountingJob(100);
        pool.Run(job, 100);
        Assert.All(job.Runs, count => Assert.Equal(1, count));
    }

    [Fact]
    public void RefusesWorkAfterDispose()
    {
        var pool = new WorkerPool(2);
        pool.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pool.Run(new CountingJob(4), 4));
    }
}
