using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Kernels.Tests;

public class ActivationTests
{
    public static TheoryData<CpuTier, Activation> CaseData()
    {
        var data = new TheoryData<CpuTier, Activation>();
        foreach (var tier in KernelSets.Tiers)
            foreach (var activation in Enum.GetValues<Activation>()) data.Add(tier, activation);
        return data;
    }

    /// <summary>2⁻²³, the spacing of floats just above 1.</summary>
    private const double FloatEpsilon = 1.0 / (1 << 23);

    /// <summary>
    /// Allowed |actual − exact| for an exact result r: an absolute part plus a relative part. The relative part
    /// is at least the float rounding of r itself (2⁻²³·|r| covers it with 2× margin), which no float kernel can beat.
    /// </summary>
    private static double Tolerance(Activation activation, double exact) => activation switch
    {
        Activation.None or Activation.Relu => 0,
        Activation.GeluErf => 1e-6 + Math.Abs(exact) * FloatEpsilon,
        Activation.GeluTanh => 1e-6 + Math.Abs(exact) * 2 * FloatEpsilon,
        Activation.Tanh => 2e-7 + Math.Abs(exact) * 2 * FloatEpsilon,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>Every length 0..256 so each vector body/tail combination of every width is hit.</summary>
    [Theory]
    [MemberData(nameof(CaseData))]
    public void EveryLengthMatchesExactFunction(CpuTier tier, Activation activation)
    {
        var kernels = KernelSets.Get(tier, 1);
        for (int length = 0; length <= 256; length++)
        {
            var input = Metrics.Random(length + 2, length, 6f);
            var data = (float[])input.Clone();
            data[^1] = data[^2] = 12345f; // guards: must stay untouched
            kernels.Activate(data.AsSpan(0, length), activation);
            for (int i = 0; i < length; i++)
            {
                double exact = ScalarMath.Activate(input[i], activation);
                Assert.True(Math.Abs(data[i] - exact) <= Tolerance(activation, exact),
                    $"{kernels.Name} {activation} length={length} x={input[i]:R}: got {data[i]:R}, exact {exact:R}");
            }
            Assert.Equal(12345f, data[^1]);
            Assert.Equal(12345f, data[^2]);
        }
    }

    /// <summary>A dense sweep, including both tails, against the double-precision definitions.</summary>
    [Theory]
    [MemberData(nameof(CaseData))]
    public void DenseRangeMatchesExactFunction(CpuTier tier, Activation activation)
    {
        var kernels = KernelSets.Get(tier, 1);
        var input = new List<float>();
        for (float x = -30f; x <= 30f; x += 1f / 1024) input.Add(x);
        foreach (float x in new[] { 1e-30f, 1e-8f, 1e-4f, 0.6249f, 0.6251f, 50f, 100f, 1000f, 1e6f, 3e38f })
        {
            input.Add(x);
            input.Add(-x);
        }
        var data = input.ToArray();
        kernels.Activate(data, activation);
        double worst = 0;
        for (int i = 0; i < data.Length; i++)
        {
            double exact = ScalarMath.Activate(input[i], activation);
            double error = Math.Abs(data[i] - exact);
            Assert.True(error <= Tolerance(activation, exact),
                $"{kernels.Name} {activation} x={input[i]:R}: got {data[i]:R}, exact {exact:R}, error {error:E2}");
            worst = Math.Max(worst, error / Math.Max(1, Math.Abs(exact)));
        }
        Assert.True(worst < 1e-6);
    }
}
