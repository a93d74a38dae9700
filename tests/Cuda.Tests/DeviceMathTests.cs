using EmbedRt.Kernels;
using EmbedRt.Kernels.Cuda;

namespace EmbedRt.Cuda.Tests;

/// <summary>The kernels' own float math against the double-precision definitions (host-side: the same C#).</summary>
public class DeviceMathTests
{
    [Fact]
    public void ErfIsWithin1e6OfDoubleErfOnMinus10To10()
    {
        double worst = 0;
        for (int i = -200_000; i <= 200_000; i++)
        {
            float x = i * 5e-5f;
            worst = Math.Max(worst, Math.Abs(DeviceMath.Erf(x) - ScalarMath.Erf(x)));
        }
        Assert.InRange(worst, 0, 1e-6);
        Assert.True(float.IsNaN(DeviceMath.Erf(float.NaN)));
    }

    [Theory]
    [InlineData(Activation.GeluErf)]
    [InlineData(Activation.GeluTanh)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Relu)]
    public void ActivationsMatchScalarMath(Activation activation)
    {
        double worst = 0;
        for (int i = -20_000; i <= 20_000; i++)
        {
            float x = i * 1e-3f;
            worst = Math.Max(worst, Math.Abs(DeviceMath.Activate(x, (int)activation) - ScalarMath.Activate(x, activation)));
        }
        Assert.InRange(worst, 0, 2e-6);
    }

    [Fact]
    public void HalfBitsWidenEveryEncodingExactly()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            float f16 = HalfBits.F16ToFloat((ushort)bits), expected = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            Assert.True(BitConverter.SingleToUInt32Bits(f16) == BitConverter.SingleToUInt32Bits(expected) || float.IsNaN(f16) && float.IsNaN(expected),
                $"F16 {bits:X4}: {f16} vs {expected}");
            Assert.Equal(BitConverter.UInt32BitsToSingle((uint)bits << 16), HalfBits.BF16ToFloat((ushort)bits));
        }
    }
}
