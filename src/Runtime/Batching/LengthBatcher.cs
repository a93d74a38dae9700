namespace EmbedRt.Batching;

/// <summary>
/// Orders inputs by length and cuts them into batches bounded by a sequence count and a token budget, so that
/// similar lengths run together and no batch grows past what the workspace was sized for. Works in caller-owned
/// buffers: batching allocates nothing.
/// </summary>
public static class LengthBatcher
{
    /// <summary>
    /// Writes input indices into <paramref name="order"/>, longest first, ties in input order (the biggest workspace is
    /// sized on the first batch and then only reused). <paramref name="keys"/> is scratch of the same length.
    /// </summary>
    public static void SortByLength(ReadOnlySpan<int> lengths, Span<int> order, Span<long> keys)
    {
        for (int i = 0; i < lengths.Length; i++) keys[i] = ((long)(int.MaxValue - lengths[i]) << 32) | (uint)i;
        keys[..lengths.Length].Sort();
        for (int i = 0; i < lengths.Length; i++) order[i] = (int)(keys[i] & 0xFFFF_FFFF);
    }

    /// <summary>
    /// The end of the batch that starts at <paramref name="start"/> of <paramref name="order"/>: at most
    /// <paramref name="maxSequences"/> sequences and <paramref name="tokenBudget"/> tokens (a single longer sequence
    /// still gets a batch of its own).
    /// </summary>
    public static int BatchEnd(ReadOnlySpan<int> order, ReadOnlySpan<int> lengths, int start, int maxSequences, int tokenBudget)
    {
        int end = start, tokens = 0;
        while (end < order.Length && end - start < maxSequences)
        {
            int length = lengths[order[end]];
            if (end > start && tokens + length > tokenBudget) break;
            tokens += length;
            end++;
        }
        return end;
    }
}
