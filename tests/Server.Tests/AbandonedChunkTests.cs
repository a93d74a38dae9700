using EmbedRt.Server.Api;
using EmbedRt.Server.Batching;
using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Tests;

/// <summary>
/// A split client batch that fails part-way (a later chunk refused at tokenization, an earlier one failing in the
/// backend) is answered at once with the error; its chunks still waiting must leave the queue, or each such
/// request leaves work behind that no admission counts and the queue grows past every limit.
/// </summary>
public sealed class AbandonedChunkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A model whose forward thread runs one batch per permit and counts the items it runs; an item -1 fails its batch.</summary>
    private sealed class GatedModel(ServerOptions options) : ServedModel("gated", ".", new ModelServices(options, new ServerMetrics(), new SemaphoreSlim(1)))
    {
        public readonly SemaphoreSlim Permits = new(0);
        public int ItemsRun;

        public override ITextTokenizer Tokenizer => throw new NotSupportedException();
        public override int MaxInputLength => 8;
        public override ModelTypeInfo TypeInfo => new(null, null);

        public Task<ModelOutput<int>> RunAsync(ModelInput[] inputs) =>
            RunAsync<int, int>(inputs, chunk => chunk.Any(input => input.Text == "refused")
                ? throw new ArgumentException("refused at tokenization")
                : (chunk.Select(input => input.Text == "fails" ? -1 : 1).ToArray(), chunk.Count), new RequestTimings(), CancellationToken.None);

        protected override void WarmUp() { }

        protected override void RunBatch(IReadOnlyList<QueuedJob> batch)
        {
            Permits.Wait(Timeout);
            BatchJob<int, int>.RunMerged(batch, items =>
            {
                Interlocked.Add(ref ItemsRun, items.Length);
                return items.Contains(-1) ? throw new InvalidOperationException("backend failure") : items;
            });
        }
    }

    private static ServerOptions Split => new() { MaxClientBatchSize = 1, SplitClientBatches = true, MaxBatchRequests = 1 };

    private static ModelInput[] Texts(params string[] texts) => texts.Select(text => new ModelInput(text, null)).ToArray();

    [Fact]
    public async Task Chunks_queued_before_a_later_chunk_is_refused_leave_the_queue()
    {
        using var model = new GatedModel(Split);
        model.Start();
        // The forward thread takes chunk 0 (if it is quick enough) and waits for a permit; chunks 1-3 wait in the
        // queue; chunk 4 is refused. Only a chunk already taken may still run.
        var error = await Assert.ThrowsAsync<ApiException>(() => model.RunAsync(Texts("a", "b", "c", "d", "refused")));
        Assert.Equal(ErrorType.Validation, error.Type);
        model.Permits.Release(100);
        model.Dispose(); // drains whatever is still queued
        Assert.True(model.ItemsRun <= 1, $"{model.ItemsRun} items ran for a request already answered with an error");
    }

    [Fact]
    public async Task Chunks_behind_a_failed_chunk_leave_the_queue()
    {
        using var model = new GatedModel(Split);
        model.Start();
        var request = model.RunAsync(Texts("fails", "b", "c", "d"));
        // Chunk 0 runs and fails; the thread may then take chunk 1 and wait; chunks 2-3 are still queued.
        model.Permits.Release(1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => request.WaitAsync(Timeout));
        model.Permits.Release(100);
        model.Dispose();
        Assert.True(model.ItemsRun <= 2, $"{model.ItemsRun} items ran for a request already answered with an error");
    }
}
