namespace EmbedRt.Kernels.Tests;

/// <summary>Encodes floats as F16 (round to nearest) or BF16 (truncated) bits, for 16-bit weight tests.</summary>
public static class HalfBits
{
    public static ushort[] Encode(ReadOnlySpan<float> values, HalfFormat format)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = format == HalfFormat.Float16
                ? BitConverter.HalfToUInt16Bits((Half)values[i])
                : (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16);
        return bits;
    }
}
