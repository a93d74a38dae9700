namespace EmbedRt.Kernels;

/// <summary>
/// Symmetric int8 quantization as the int8 linear layers use it: q = round(v / s) (ties to even) with
/// s = max|v| / 127 per row, so q lies in [-127, 127]. Weights are quantized this way per output channel at load,
/// activations per token row at every call. Defined once, in float32 arithmetic, so that the reference and the
/// fast kernels see the same integers and differ only in how they sum them.
/// </summary>
public static class Int8Quantization
{
    /// <summary>The largest quantized magnitude (-128 is never used, which keeps the scheme symmetric).</summary>
    public const int Levels = 127;

    /// <summary>Quantizes each of <paramref name="rows"/> rows of <paramref name="values"/>; returns one scale per row.</summary>
    public static float[] QuantizeRows(ReadOnlySpan<float> values, int rows, int cols, Span<sbyte> quantized)
    {
        var scales = new float[rows];
        for (int r = 0; r < rows; r++)
            scales[r] = QuantizeRow(values.Slice(r * cols, cols), quantized.Slice(r * cols, cols));
        return scales;
    }

    /// <summary>Quantizes one row into <paramref name="quantized"/>; returns its scale (0 for an all-zero row).</summary>
    public static float QuantizeRow(ReadOnlySpan<float> row, Span<sbyte> quantized)
    {
        float max = 0;
        foreach (float v in row) max = Math.Max(max, Math.Abs(v));
        float inverse = InverseScale(max);
        for (int i = 0; i < row.Length; i++) quantized[i] = (sbyte)Quantize(row[i], inverse);
        return max / Levels;
    }

    /// <summary>127 / max, or 0 for an all-zero row (every value then quantizes to 0).</summary>
    public static float InverseScale(float maxAbs) => maxAbs > 0 ? Levels / maxAbs : 0;

    /// <summary>One value: round(value · inverse) clamped to ±127.</summary>
    public static int Quantize(float value, float inverse) => (int)Math.Clamp(MathF.Round(value * inverse), -Levels, Levels);
}
