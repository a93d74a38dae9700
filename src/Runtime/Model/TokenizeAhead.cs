namespace EmbedRt.Model;

/// <summary>
/// On a device the CPU's share of the work is tokenizing: long input lists go in chunks, the next chunk tokenized
/// on another thread while the device runs this one. The chunks flow through one device pipeline
/// (<see cref="EncoderRunner.RunHeads(IEnumerable{DeviceWork})"/>): the next chunk's first batch is staged while the
/// last batch of the one before runs. Results are those of one pass: no output row depends on which inputs share its batch.
/// </summary>
internal static class TokenizeAhead
{
    /// <summary>Inputs per chunk, in batches: what is tokenized while the chunk before runs.</summary>
    public const int BatchesPerChunk = 4;

    /// <summary>
    /// Consecutive chunks of <paramref name="count"/> inputs as (first input, prepared), each prepared by
    /// <paramref name="prepare"/>(start, length) on another thread, started when the chunk before is handed out.
    /// A preparation's exception surfaces when its chunk is asked for; a chunk still being prepared when the
    /// caller stops asking is left to finish on its own.
    /// </summary>
    public static IEnumerable<(int Start, TPrepared Prepared)> Chunks<TPrepared>(int count, int chunk, Func<int, int, TPrepared> prepare)
    {
        var next = Task.Run(() => prepare(0, Math.Min(chunk, count)));
        for (int start = 0; start < count; start += chunk)
        {
            var prepared = next.GetAwaiter().GetResult();
            int following = start + chunk;
            if (following < count) next = Task.Run(() => prepare(following, Math.Min(chunk, count - following)));
            yield return (start, prepared);
        }
    }
}
