using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>
/// After warm-up, an Embed call on the fast path allocates nothing but the vectors it returns (all threads counted).
/// One kernel thread: with helper threads, the runtime's own blocking waits (SemaphoreSlim / ManualResetEventSlim
/// wake-ups) now and then allocate a few bytes that are not ours, which would make the exact check flaky.
/// </summary>
[Collection(nameof(AllocationCollection))]
public class EmbedAllocationTests
{
    [Theory]
    [InlineData("bert-tiny-uncased")]
    [InlineData("xlmr-tiny-m3")]
    public void EmbedAllocatesOnlyTheReturnedVectors(string name)
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(name), new EmbeddingOptions { Threads = 1, BatchSize = 4 });
        var encodings = ReferenceCases.Load(name).Select(c => new TokenEncoding(c.InputIds, c.TokenTypeIds)).ToArray();
        for (int i = 0; i < 3; i++) model.Embed(encodings);

        // The least of a few calls: the runtime's own background work (tiered JIT) may allocate during any one of them.
        long allocated = long.MaxValue;
        float[][] vectors = [];
        for (int i = 0; i < 5; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            vectors = model.Embed(encodings);
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        // The jagged array and one float[Dimension] per input, with their object headers.
        long returned = (24 + 8L * vectors.Length) + vectors.Length * (24 + 4L * ((model.Dimension + 1) / 2 * 2));
        Assert.True(allocated <= returned, $"allocated {allocated} bytes, of which the returned vectors are {returned}");
    }
}
