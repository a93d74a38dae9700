namespace EmbedRt.Output;

/// <summary>
/// Matryoshka truncation (sentence-transformers' <c>truncate_dim</c>): keep the first dimensions of a vector and,
/// for a model whose vectors are normalized, normalize the shortened vector again.
/// </summary>
public static class Matryoshka
{
    /// <summary>The first <paramref name="dimensions"/> values of <paramref name="vector"/>, L2-normalized when <paramref name="normalize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is not in 1..vector length.</exception>
    public static float[] Truncate(ReadOnlySpan<float> vector, int dimensions, bool normalize)
    {
        if (dimensions <= 0 || dimensions > vector.Length)
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, $"must be between 1 and the model's {vector.Length} dimensions");
        var result = vector[..dimensions].ToArray();
        if (normalize)
        {
            float norm = MathF.Sqrt(VectorSimilarity.Dot(result, result));
            if (norm > 0)
                for (int i = 0; i < result.Length; i++) result[i] /= norm;
        }
        return result;
    }
}
