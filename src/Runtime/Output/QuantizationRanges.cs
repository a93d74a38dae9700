namespace EmbedRt.Output;

/// <summary>
/// Per-dimension value ranges for calibrated int8 / uint8 quantization, as sentence-transformers'
/// <c>quantize_embeddings(..., calibration_embeddings=...)</c> computes them: the minimum and maximum of each
/// dimension over a calibration set of embeddings (ideally thousands, from the corpus being stored).
/// </summary>
public sealed class QuantizationRanges
{
    private readonly float[] _min, _max;

    /// <summary>Ranges given per dimension.</summary>
    /// <exception cref="ArgumentException">The arrays are empty, differ in length, or a minimum exceeds its maximum or is not finite.</exception>
    public QuantizationRanges(float[] min, float[] max)
    {
        ArgumentNullException.ThrowIfNull(min);
        ArgumentNullException.ThrowIfNull(max);
        if (min.Length == 0 || min.Length != max.Length)
            throw new ArgumentException($"minimum and maximum need one value per dimension (got {min.Length} and {max.Length})");
        for (int i = 0; i < min.Length; i++)
            if (!float.IsFinite(min[i]) || !float.IsFinite(max[i]) || min[i] > max[i])
                throw new ArgumentException($"dimension {i}: range [{min[i]}, {max[i]}] is not a finite, ordered range");
        _min = min;
        _max = max;
    }

    /// <summary>Number of dimensions.</summary>
    public int Dimension => _min.Length;

    /// <summary>Per-dimension minimum.</summary>
    public ReadOnlySpan<float> Min => _min;

    /// <summary>Per-dimension maximum.</summary>
    public ReadOnlySpan<float> Max => _max;

    /// <summary>The per-dimension minimum and maximum of <paramref name="calibration"/> (all of one dimension).</summary>
    /// <exception cref="ArgumentException">No vectors, vectors of different lengths, or a value that is not finite.</exception>
    public static QuantizationRanges FromCalibration(IEnumerable<float[]> calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        float[]? min = null, max = null;
        int index = 0;
        foreach (var vector in calibration)
        {
            if (min is null)
            {
                min = (float[])vector.Clone();
                max = (float[])vector.Clone();
            }
            else if (vector.Length != min.Length)
                throw new ArgumentException($"calibration vector {index} has {vector.Length} dimensions, the first has {min.Length}");
            for (int d = 0; d < vector.Length; d++)
            {
                float v = vector[d];
                if (!float.IsFinite(v)) throw new ArgumentException($"calibration vector {index} has a non-finite value at dimension {d}");
                min[d] = Math.Min(min[d], v);
                max![d] = Math.Max(max[d], v);
            }
            index++;
        }
        if (min is null) throw new ArgumentException("no calibration vectors");
        return new QuantizationRanges(min, max!);
    }
}
