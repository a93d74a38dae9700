namespace EmbedRt.Kernels;

/// <summary>
/// The int8 linear layers' quantization, defined once in float32 arithmetic so that the reference and the fast
/// kernels see the same integers and differ only in how they sum them. Weights, per output channel at load:
/// symmetric int8, q = round(w · 127 / max|w|) (ties to even) in [-127, 127]. Activations, per token row at every
/// call: asymmetric uint8 with a zero point over [min(x, 0), max(x, 0)] (as ONNX DynamicQuantizeLinear, but per
/// row), which gives a GELU output, mostly in [-0.17, max], twice the resolution that a symmetric scale would.
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

    /// <summary>
    /// Quantizes one activation row into <paramref name="quantized"/>: q = clamp(round(x · inverse) + zeroPoint, 0, 255)
    /// with inverse = 255 / (max − min) and zeroPoint = round(−min · inverse); x ≈ (q − zeroPoint) · scale.
    /// </summary>
    public static (float Scale, int ZeroPoint) QuantizeActivationRow(ReadOnlySpan<float> row, Span<byte> quantized)
    {
        float min = 0, max = 0;
        foreach (float v in row)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var (inverse, zeroPoint) = ActivationRange(min, max);
        for (int i = 0; i < row.Length; i++) quantized[i] = (byte)QuantizeActivation(row[i], inverse, zeroPoint);
        return ((max - min) / ActivationLevels, zeroPoint);
    }

    /// <summary>The largest activation code.</summary>
    public const int ActivationLevels = 255;

    /// <summary>inverse = 255 / (max − min) (0 for an all-zero row) and the zero point, from a row's min ≤ 0 ≤ max.</summary>
    public static (float Inverse, int ZeroPoint) ActivationRange(float min, float max)
    {
        float inverse = max > min ? ActivationLevels / (max - min) : 0;
        return (inverse, (int)Math.Clamp(MathF.Round(-min * inverse), 0, ActivationLevels));
    }

    /// <summary>One activation: clamp(round(value · inverse) + zeroPoint, 0, 255).</summary>
    public static int QuantizeActivation(float value, float inverse, int zeroPoint)
        => (int)Math.Clamp(MathF.Round(value * inverse) + zeroPoint, 0, ActivationLevels);

    /// <summary>127 / max, or 0 for an all-zero row (every value then quantizes to 0).</summary>
    public static float InverseScale(float maxAbs) => maxAbs > 0 ? Levels / maxAbs : 0;

    /// <summary>One value: round(value · inverse) clamped to ±127.</summary>
    public static int Quantize(float value, float inverse) => (int)Math.Clamp(MathF.Round(value * inverse), -Levels, Levels);
}
