using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class HalfConversionTests
{
    /// <summary>Every F16 bit pattern (normals, subnormals, ±0, ±inf, NaNs) widens exactly as System.Half does, at every length and offset the vector loops split.</summary>
    [Fact]
    public void Float16WidensEveryBitPatternExactly()
    {
        var bits = new ushort[65536];
        for (int i = 0; i < bits.Length; i++) bits[i] = (ushort)i;
        var widened = new float[bits.Length];
        HalfConversion.Widen(bits, HalfFormat.Float16, widened);
        for (int i = 0; i < bits.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)i);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(widened[i]), $"0x{i:X4}");
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(widened[i]));
        }
    }

    [Theory]
    [InlineData(HalfFormat.Float16)]
    [InlineData(HalfFormat.BFloat16)]
    public void EveryLengthMatchesScalarWidening(HalfFormat format)
    {
        var values = Metrics.Random(300, 3, 10f);
        var bits = HalfBits.Encode(values, format);
        for (int length = 0; length <= 256; length++)
            for (int offset = 0; offset < 3; offset++)
            {
                var widened = new float[length];
                HalfConversion.Widen(bits.AsSpan(offset, length), format, widened);
                for (int i = 0; i < length; i++)
                {
                    ushort b = bits[offset + i];
                    float expected = format == HalfFormat.Float16
                        ? (float)BitConverter.UInt16BitsToHalf(b)
                        : BitConverter.UInt32BitsToSingle((uint)b << 16);
                    Assert.Equal(expected, widened[i]);
                }
            }
    }

    [Fact]
    public void RejectsAShortDestination() =>
        Assert.Throws<ArgumentException>(() => HalfConversion.Widen(new ushort[4], HalfFormat.BFloat16, new float[3]));
}
