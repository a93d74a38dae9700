namespace EmbedRt.Kernels.Tests;

public class BFloat16RoundingTests
{
    [Theory]
    [InlineData(0x3F800000u, (ushort)0x3F80)] // 1.0 exact
    [InlineData(0x3F807FFFu, (ushort)0x3F80)] // below half: down
    [InlineData(0x3F808000u, (ushort)0x3F80)] // tie, even below: down
    [InlineData(0x3F818000u, (ushort)0x3F82)] // tie, odd below: up to even
    [InlineData(0x3F808001u, (ushort)0x3F81)] // above half: up
    [InlineData(0xBF808001u, (ushort)0xBF81)] // sign kept
    [InlineData(0x7F7FFFFFu, (ushort)0x7F80)] // float.MaxValue overflows to +inf, as torch does
    [InlineData(0x7F800000u, (ushort)0x7F80)] // +inf
    [InlineData(0x00000001u, (ushort)0x0000)] // smallest subnormal: down to zero
    public void RoundsToNearestEven(uint bits, ushort expected)
    {
        var result = new ushort[1];
        HalfConversion.NarrowToBFloat16([BitConverter.UInt32BitsToSingle(bits)], result);
        Assert.Equal(expected, result[0]);
    }

    [Fact]
    public void NaNStaysNaN()
    {
        var result = new ushort[2];
        HalfConversion.NarrowToBFloat16([float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001)], result);
        var widened = new float[2];
        HalfConversion.Widen(result, HalfFormat.BFloat16, widened);
        Assert.All(widened, v => Assert.True(float.IsNaN(v)));
    }
}
