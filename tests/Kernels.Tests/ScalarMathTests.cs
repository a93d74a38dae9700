using EmbedRt.Kernels;

namespace EmbedRt.Kernels.Tests;

public class ScalarMathTests
{
    // Values from Abramowitz & Stegun table 7.1 / high-precision erf.
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.1, 0.1124629160182849)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(2.0, 0.9953222650189527)]
    [InlineData(2.5, 0.9995930479825550)]
    [InlineData(3.0, 0.9999779095030014)]
    [InlineData(-1.5, -0.9661051464753108)]
    [InlineData(4.0, 0.9999999845827421)]
    public void ErfMatchesTable(double x, double expected)
    {
        Assert.Equal(expected, ScalarMath.Erf(x), 1e-14);
    }

    [Fact]
    public void ErfIsContinuousAtSeriesSwitch()
    {
        Assert.Equal(ScalarMath.Erf(2.5 - 1e-12), ScalarMath.Erf(2.5 + 1e-12), 1e-12);
    }
}
