using System.Runtime.InteropServices;

namespace EmbedRt.Output;

/// <summary>
/// Compact encodings of float embeddings for storage and fast search, with sentence-transformers' semantics
/// (<c>quantize_embeddings</c>) where it defines them. Inputs must be finite: a NaN or infinity is an
/// <see cref="ArgumentException"/>, never a silently wrong code.
/// </summary>
public static class EmbeddingQuantizer
{
    /// <summary>Bytes of a packed bit vector of <paramref name="dimension"/> dimensions (the last byte zero-padded).</summary>
    public static int PackedLength(int dimension) => (dimension + 7) / 8;

    /// <summary>
    /// Symmetric per-vector int8: <c>q = round(v / scale)</c> with <c>scale = max|v| / 127</c>, so every vector uses the
    /// full range [-127, 127] and needs no calibration. Returns the scale (<c>v ≈ q · scale</c>; 0 for an all-zero
    /// vector). Cosine similarity of the codes needs no scale; a dot product is <c>Dot(qa, qb) · scaleA · scaleB</c>.
    /// </summary>
    public static float ToInt8(ReadOnlySpan<float> vector, Span<sbyte> destination)
    {
        CheckLengths(vector.Length, destination.Length);
        float maxAbs = 0;
        for (int i = 0; i < vector.Length; i++) maxAbs = Math.Max(maxAbs, Math.Abs(Finite(vector, i)));
        if (maxAbs == 0)
        {
            destination.Clear();
            return 0;
        }
        float scale = maxAbs / 127f, inverse = 127f / maxAbs;
        for (int i = 0; i < vector.Length; i++)
            destination[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127, 127);
        return scale;
    }

    /// <summary>Per-vector uint8: the <see cref="ToInt8(ReadOnlySpan{float}, Span{sbyte})"/> code + 128 (1..255). Returns the scale.</summary>
    public static float ToUInt8(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        float scale = ToInt8(vector, MemoryMarshal.Cast<byte, sbyte>(destination));
        for (int i = 0; i < destination.Length; i++) destination[i] = (byte)(destination[i] + 128);
        return scale;
    }

    /// <summary>
    /// Calibrated int8 as sentence-transformers: each dimension's [min, max] range in 255 steps,
    /// <c>trunc((v − min) / step) − 128</c>. Values outside the calibration range are clamped to it (numpy would wrap
    /// around); a dimension with an empty range codes as −128.
    /// </summary>
    public static void ToInt8(ReadOnlySpan<float> vector, QuantizationRanges ranges, Span<sbyte> destination)
    {
        CheckLengths(vector.Length, destination.Length);
        CheckLengths(vector.Length, ranges.Dimension, "ranges");
        for (int i = 0; i < vector.Length; i++) destination[i] = (sbyte)(CalibratedStep(vector, ranges, i) - 128);
    }

    /// <summary>Calibrated uint8 as sentence-transformers: <c>trunc((v − min) / step)</c> in 0..255, clamped to the range.</summary>
    public static void ToUInt8(ReadOnlySpan<float> vector, QuantizationRanges ranges, Span<byte> destination)
    {
        CheckLengths(vector.Length, destination.Length);
        CheckLengths(vector.Length, ranges.Dimension, "ranges");
        for (int i = 0; i < vector.Length; i++) destination[i] = (byte)CalibratedStep(vector, ranges, i);
    }

    /// <summary>
    /// sentence-transformers' "ubinary": bit = value &gt; 0, packed 8 dimensions a byte with the first in the high bit
    /// (numpy's packbits); a dimension count that is not a multiple of 8 leaves the last byte's low bits zero.
    /// </summary>
    public static void ToUBinary(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        CheckLengths(PackedLength(vector.Length), destination.Length, "destination (packed)");
        destination.Clear();
        for (int i = 0; i < vector.Length; i++)
            if (Finite(vector, i) > 0) destination[i >> 3] |= (byte)(0x80 >> (i & 7));
    }

    /// <summary>sentence-transformers' "binary": the <see cref="ToUBinary"/> bytes − 128 as signed bytes.</summary>
    public static void ToBinary(ReadOnlySpan<float> vector, Span<sbyte> destination)
    {
        var bytes = MemoryMarshal.Cast<sbyte, byte>(destination);
        ToUBinary(vector, bytes);
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(bytes[i] - 128);
    }

    /// <summary>The float32 values' little-endian bytes in base64 (OpenAI's embedding <c>encoding_format: "base64"</c>).</summary>
    public static string ToBase64(ReadOnlySpan<float> vector)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("base64 embeddings are little-endian float32");
        return Convert.ToBase64String(MemoryMarshal.AsBytes(vector));
    }

    /// <summary>Decodes <see cref="ToBase64"/> output.</summary>
    /// <exception cref="FormatException">Not base64, or not a whole number of float32 values.</exception>
    public static float[] FromBase64(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        if (bytes.Length % sizeof(float) != 0) throw new FormatException($"{bytes.Length} bytes is not a whole number of float32 values");
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static int CalibratedStep(ReadOnlySpan<float> vector, QuantizationRanges ranges, int i)
    {
        float min = ranges.Min[i], width = ranges.Max[i] - min;
        if (width <= 0) return 0;
        float step = (Finite(vector, i) - min) / (width / 255f);
        return (int)Math.Clamp(MathF.Truncate(step), 0, 255);
    }

    private static float Finite(ReadOnlySpan<float> vector, int i) =>
        float.IsFinite(vector[i]) ? vector[i] : throw new ArgumentException($"dimension {i} is {vector[i]}: embeddings must be finite", nameof(vector));

    private static void CheckLengths(int expected, int actual, string what = "destination")
    {
        if (expected != actual) throw new ArgumentException($"{what} has length {actual}, expected {expected}");
    }
}
