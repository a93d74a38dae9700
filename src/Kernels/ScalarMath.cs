namespace EmbedRt.Kernels;

/// <summary>Double-precision definitions of the element-wise functions: what every tier is measured against.</summary>
public static class ScalarMath
{
    /// <summary>Applies <paramref name="activation"/> to one value.</summary>
    public static double Activate(double x, Activation activation) => activation switch
    {
        Activation.None => x,
        Activation.GeluErf => 0.5 * x * (1.0 + Erf(x / Math.Sqrt(2.0))),
        Activation.GeluTanh => 0.5 * x * (1.0 + Math.Tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x))),
        Activation.Relu => Math.Max(x, 0.0),
        Activation.Tanh => Math.Tanh(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>
    /// erf(x) to about 1e-15 relative: Taylor series near zero, continued fraction for erfc in the tails.
    /// .NET has no Math.Erf, and a float approximation cannot serve as the oracle.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 2.5)
        {
            // erf(x) = 2/√π · Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            double r = 2.0 / Math.Sqrt(Math.PI) * sum;
            return x < 0 ? -r : r;
        }
        if (ax > 6.0) return x < 0 ? -1.0 : 1.0;
        // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + …))))), evaluated bottom-up.
        double f = ax;
        for (int n = 60; n >= 1; n--) f = ax + n / 2.0 / f;
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return x < 0 ? erfc - 1.0 : 1.0 - erfc;
    }
}
