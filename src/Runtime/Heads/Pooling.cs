namespace EmbedRt.Heads;

/// <summary>Sentence vectors from a packed last hidden state, as sentence-transformers computes them.</summary>
internal static class Pooling
{
    /// <summary>Writes the pooled vector of sequence rows [start, end) of <paramref name="hidden"/> into <paramref name="output"/>.</summary>
    public static void Pool(ReadOnlySpan<float> hidden, int hiddenSize, int start, int end, PoolingMode mode, Span<float> output)
    {
        if (mode == PoolingMode.Cls)
        {
            hidden.Slice(start * hiddenSize, hiddenSize).CopyTo(output);
            return;
        }
        // Mean over every token of the input, special tokens included (the attention mask covers them all),
        // less any leading prompt tokens the caller excludes by passing a later start.
        output.Clear();
        for (int t = start; t < end; t++)
        {
            var row = hidden.Slice(t * hiddenSize, hiddenSize);
            for (int c = 0; c < hiddenSize; c++) output[c] += row[c];
        }
        float inverse = 1f / (end - start);
        for (int c = 0; c < hiddenSize; c++) output[c] *= inverse;
    }

    /// <summary>Scales to unit L2 norm; a zero vector stays zero (as torch's normalize with its epsilon).</summary>
    public static void Normalize(Span<float> vector)
    {
        double sum = 0;
        foreach (float v in vector) sum += (double)v * v;
        double norm = Math.Max(Math.Sqrt(sum), 1e-12);
        float inverse = (float)(1.0 / norm);
        for (int i = 0; i < vector.Length; i++) vector[i] *= inverse;
    }
}
