using EmbedRt.Server.Api;

namespace EmbedRt.Server.Routes;

/// <summary>Matryoshka truncation ("dimensions"): the first d components, renormalized when the vectors are normalized.</summary>
internal static class Matryoshka
{
    public static float[][] Truncate(float[][] vectors, int? dimensions, bool normalize, string field)
    {
        if (dimensions is not { } d) return vectors;
        int full = vectors.Length == 0 ? 0 : vectors[0].Length;
        if (d < 1 || d > full)
            throw ApiException.Invalid($"`{field}` must be between 1 and the model's {full} dimensions, got {d}", field);
        if (d == full) return vectors;
        return vectors.Select(vector => Cut(vector, d, normalize)).ToArray();
    }

    private static float[] Cut(float[] vector, int d, bool normalize)
    {
        var cut = vector[..d];
        if (!normalize) return cut;
        double sum = 0;
        foreach (float x in cut) sum += (double)x * x;
        if (sum == 0) return cut;
        float scale = (float)(1 / Math.Sqrt(sum));
        for (int i = 0; i < d; i++) cut[i] *= scale;
        return cut;
    }
}
