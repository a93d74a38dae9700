namespace EmbedRt.Output;

/// <summary>One search result: the stored vector's index and its score (higher is more similar).</summary>
public readonly record struct SearchHit(int Index, float Score);

/// <summary>
/// Exact top-k search over vectors stored back to back in one span (row i at <c>[i·length, (i+1)·length)</c>),
/// as a small in-process index or the rescoring step after a coarse search. Hits come best first; equal
/// scores keep the lower index first.
/// </summary>
public static class VectorSearch
{
    /// <summary>The <paramref name="k"/> stored float32 vectors with the largest dot product with <paramref name="query"/> (cosine for normalized vectors).</summary>
    public static SearchHit[] TopKDot(ReadOnlySpan<float> query, ReadOnlySpan<float> stored, int k)
    {
        var top = new TopK(k, Rows(stored.Length, query.Length));
        for (int row = 0; row < top.Rows; row++)
            top.Offer(row, VectorSimilarity.Dot(query, stored.Slice(row * query.Length, query.Length)));
        return top.Result();
    }

    /// <summary>The <paramref name="k"/> stored int8 codes with the largest cosine similarity to <paramref name="query"/>.</summary>
    public static SearchHit[] TopKCosine(ReadOnlySpan<sbyte> query, ReadOnlySpan<sbyte> stored, int k)
    {
        var top = new TopK(k, Rows(stored.Length, query.Length));
        for (int row = 0; row < top.Rows; row++)
            top.Offer(row, VectorSimilarity.Cosine(query, stored.Slice(row * query.Length, query.Length)));
        return top.Result();
    }

    /// <summary>
    /// The <paramref name="k"/> stored packed bit vectors nearest to <paramref name="query"/> in Hamming distance;
    /// the score is the number of equal bits (bits − distance).
    /// </summary>
    public static SearchHit[] TopKHamming(ReadOnlySpan<byte> query, ReadOnlySpan<byte> stored, int k)
    {
        var top = new TopK(k, Rows(stored.Length, query.Length));
        int bits = query.Length * 8;
        for (int row = 0; row < top.Rows; row++)
            top.Offer(row, bits - VectorSimilarity.Hamming(query, stored.Slice(row * query.Length, query.Length)));
        return top.Result();
    }

    /// <summary>
    /// Rescoring after a coarse search (e.g. <see cref="TopKHamming"/> for 4·k candidates): the candidates
    /// re-ranked by dot product of the float query with their float32 rows, best <paramref name="k"/> kept.
    /// </summary>
    public static SearchHit[] Rescore(ReadOnlySpan<float> query, ReadOnlySpan<float> stored, IEnumerable<SearchHit> candidates, int k)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        int rows = Rows(stored.Length, query.Length);
        var top = new TopK(k, rows);
        foreach (var candidate in candidates)
        {
            if ((uint)candidate.Index >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(candidates), candidate.Index, $"candidate index outside the {rows} stored vectors");
            top.Offer(candidate.Index, VectorSimilarity.Dot(query, stored.Slice(candidate.Index * query.Length, query.Length)));
        }
        return top.Result();
    }

    private static int Rows(int storedLength, int rowLength)
    {
        if (rowLength == 0) throw new ArgumentException("the query is empty");
        if (storedLength % rowLength != 0)
            throw new ArgumentException($"the stored span ({storedLength} values) is not a whole number of rows of the query's length {rowLength}");
        return storedLength / rowLength;
    }

    /// <summary>A bounded min-heap keyed on (score, −index): its root is the hit to drop first.</summary>
    private sealed class TopK
    {
        private readonly PriorityQueue<SearchHit, SearchHit> _heap;
        private readonly int _k;

        public TopK(int k, int rows)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
            _k = k;
            Rows = rows;
            _heap = new PriorityQueue<SearchHit, SearchHit>(Math.Min(k, rows) + 1, WorseFirst.Instance);
        }

        public int Rows { get; }

        public void Offer(int index, float score)
        {
            var hit = new SearchHit(index, score);
            if (_heap.Count < _k) _heap.Enqueue(hit, hit);
            else if (WorseFirst.Instance.Compare(_heap.Peek(), hit) < 0) _heap.EnqueueDequeue(hit, hit);
        }

        public SearchHit[] Result()
        {
            var hits = new SearchHit[_heap.Count];
            for (int i = hits.Length - 1; i >= 0; i--) hits[i] = _heap.Dequeue();
            return hits;
        }
    }

    private sealed class WorseFirst : IComparer<SearchHit>
    {
        public static readonly WorseFirst Instance = new();

        public int Compare(SearchHit x, SearchHit y)
        {
            int byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : y.Index.CompareTo(x.Index);
        }
    }
}
