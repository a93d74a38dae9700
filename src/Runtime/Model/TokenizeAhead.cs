namespace EmbedRt.Model;

/// <summary>
/// On a device the CPU's share of the work is tokenizing: long input lists go in chunks, the next chunk tokenized
/// on another thread while the device runs this one (whose batches overlap among themselves, see
/// <see cref="DevicePipeline"/>). Results are those of one pass: no output row depends on which inputs share its batch.
/// </summary>
internal static class TokenizeAhead
{
    /// <summary>Inputs per chunk, in batches: the device drains once per chunk.</summary>
    public const int BatchesPerChunk = 4;

    /// <summary>
    /// Calls <paramref name="run"/>(start, prepared) for consecutive chunks of <paramref name="count"/> inputs, each
    /// chunk prepared by <paramref name="prepare"/>(start, length) while the one before runs. An exception from
    /// either surfaces here; a chunk still being prepared then is left to finish on its own.
    /// </summary>
    public static void Run<TPrepared>(int count, int chunk, Func<int, int, TPrepared> prepare, Action<int, TPrepared> run)
    {
        var next = Task.Run(() => prepare(0, Math.Min(chunk, count)));
        for (int start = 0; start < count; start += chunk)
        {
            var prepared = next.GetAwaiter().GetResult();
            int following = start + chunk;
            if (following < count) next = Task.Run(() => prepare(following, Math.Min(chunk, count - following)));
            run(start, prepared);
        }
    }
}
