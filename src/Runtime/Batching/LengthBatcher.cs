namespace EmbedRt.Batching;

/// <summary>
/// Orders inputs by length and cuts them into batches bounded by a sequence count and a token budget, so that
/// similar lengths run together and no batch grows past what the workspace was sized for. Results are put back in
/// input order by the caller through the returned indices.
/// </summary>
public static class LengthBatcher
{
    /// <summary>Input indices sorted by descending length (stable).</summary>
    public static int[] SortByLength(IReadOnlyList<int> lengths)
    {
        var order = new int[lengths.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // Longest first: the biggest workspace is sized on the first batch and then only reused.
        Array.Sort(order, (a, b) => lengths[b] != lengths[a] ? lengths[b].CompareTo(lengths[a]) : a.CompareTo(b));
        return order;
    }

    /// <summary>
    /// Splits <paramref name="order"/> into consecutive ranges of at most <paramref name="maxSequences"/> sequences and
    /// at most <paramref name="tokenBudget"/> tokens (a single longer sequence still gets a batch of its own).
    /// </summary>
    public static List<Range> Split(ReadOnlySpan<int> order, IReadOnlyList<int> lengths, int maxSequences, int tokenBudget)
    {
        var batches = new List<Range>();
        int start = 0, tokens = 0;
        for (int i = 0; i < order.Length; i++)
        {
            int length = lengths[order[i]];
            if (i > start && (i - start == maxSequences || tokens + length > tokenBudget))
            {
                batches.Add(new Range(start, i));
                start = i;
                tokens = 0;
            }
            tokens += length;
        }
        if (order.Length > start) batches.Add(new Range(start, order.Length));
        return batches;
    }
}
