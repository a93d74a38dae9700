namespace EmbedRt.M3;

/// <summary>FlagEmbedding's BGE-M3 scoring functions.</summary>
public static class M3Scoring
{
    /// <summary>FlagEmbedding's default weights for dense, sparse and ColBERT scores.</summary>
    public static readonly (double Dense, double Sparse, double ColBert) DefaultWeights = (0.4, 0.2, 0.4);

    /// <summary>Dot product of two dense vectors.</summary>
    public static double Dense(ReadOnlySpan<float> query, ReadOnlySpan<float> passage)
    {
        if (query.Length != passage.Length) throw new ArgumentException($"dense vectors differ in size: {query.Length} vs {passage.Length}");
        double sum = 0;
        for (int i = 0; i < query.Length; i++) sum += (double)query[i] * passage[i];
        return sum;
    }

    /// <summary>Lexical matching score: sum over token ids present in both of the weight products.</summary>
    public static double Lexical(IReadOnlyDictionary<int, float> query, IReadOnlyDictionary<int, float> passage)
    {
        double sum = 0;
        foreach (var (token, weight) in query)
            if (passage.TryGetValue(token, out float other)) sum += (double)weight * other;
        return sum;
    }

    /// <summary>Late interaction: mean over query vectors of the maximum dot product with any passage vector.</summary>
    public static double ColBert(IReadOnlyList<float[]> query, IReadOnlyList<float[]> passage)
    {
        if (query.Count == 0 || passage.Count == 0) return 0;
        double total = 0;
        foreach (var q in query)
        {
            double best = double.NegativeInfinity;
            foreach (var p in passage) best = Math.Max(best, Dense(q, p));
            total += best;
        }
        return total / query.Count;
    }

    /// <summary>All scores of a pair, combined with the given weights (FlagEmbedding's default 0.4 / 0.2 / 0.4 when null).</summary>
    public static M3Scores Score(M3Embedding query, M3Embedding passage, (double Dense, double Sparse, double ColBert)? weights = null)
    {
        var w = weights ?? DefaultWeights;
        double dense = Dense(query.Dense, passage.Dense);
        double lexical = Lexical(query.Sparse, passage.Sparse);
        double colbert = ColBert(query.ColBert, passage.ColBert);
        return new M3Scores(dense, lexical, colbert,
            (w.Dense * dense + w.Sparse * lexical) / (w.Dense + w.Sparse),
            (w.Dense * dense + w.Sparse * lexical + w.ColBert * colbert) / (w.Dense + w.Sparse + w.ColBert));
    }
}
