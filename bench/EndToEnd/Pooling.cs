namespace EmbedRt.Bench.EndToEnd;

/// <summary>Sentence-transformers pooling of a padded last_hidden_state, and vector comparison.</summary>
internal static class Pooling
{
    /// <summary>Mean over the first <paramref name="length"/> rows of one sequence's [seq, hidden] block
    /// (the attention mask is 1 exactly there), then L2 normalization.</summary>
    public static float[] MeanNormalized(ReadOnlySpan<float> sequence, int length, int hidden)
    {
        var sum = new double[hidden];
        for (int t = 0; t < length; t++)
        {
            var row = sequence.Slice(t * hidden, hidden);
            for (int j = 0; j < hidden; j++) sum[j] += row[j];
        }
        double norm = 0;
        for (int j = 0; j < hidden; j++)
        {
            sum[j] /= length;
            norm += sum[j] * sum[j];
        }
        norm = Math.Max(Math.Sqrt(norm), 1e-12); // torch.nn.functional.normalize's eps
        var result = new float[hidden];
        for (int j = 0; j < hidden; j++) result[j] = (float)(sum[j] / norm);
        return result;
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"vector sizes differ: {a.Length} vs {b.Length}");
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Smallest cosine between corresponding vectors of two engines' outputs.</summary>
    public static double MinCosine(float[][] a, float[][] b)
    {
        if (a.Length != b.Length) throw new InvalidOperationException($"result counts differ: {a.Length} vs {b.Length}");
        double min = double.PositiveInfinity;
        for (int i = 0; i < a.Length; i++) min = Math.Min(min, Cosine(a[i], b[i]));
        return min;
    }
}
