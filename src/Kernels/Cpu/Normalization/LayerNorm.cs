using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Normalization;

/// <summary>
/// One row of y = LayerNorm(x + residual)·gamma + beta in three vector passes: sum into y, centred sum of
/// squares (two-pass variance: no cancellation for rows with a large mean), then scale and shift.
/// Each pass reads an element before writing the same element, so y may alias x or residual.
/// </summary>
internal static unsafe class LayerNorm<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(float* x, float* residual, float* gamma, float* beta, float eps, int cols, float* y)
    {
        int n = TS.Count, c;
        TVec sum0 = TS.Zero, sum1 = TS.Zero;
        float tail = 0f;
        for (c = 0; c <= cols - 2 * n; c += 2 * n)
        {
            TVec v0 = TS.Load(x + c), v1 = TS.Load(x + c + n);
            if (residual != null)
            {
                v0 = TS.Add(v0, TS.Load(residual + c));
                v1 = TS.Add(v1, TS.Load(residual + c + n));
            }
            TS.Store(v0, y + c);
            TS.Store(v1, y + c + n);
            sum0 = TS.Add(sum0, v0);
            sum1 = TS.Add(sum1, v1);
        }
        for (; c < cols; c++)
        {
            float v = residual != null ? x[c] + residual[c] : x[c];
            y[c] = v;
            tail += v;
        }
        float mean = (TS.Sum(TS.Add(sum0, sum1)) + tail) / cols;

        TVec centre = TS.Create(mean);
        TVec square0 = TS.Zero, square1 = TS.Zero;
        tail = 0f;
        for (c = 0; c <= cols - 2 * n; c += 2 * n)
        {
            TVec d0 = TS.Subtract(TS.Load(y + c), centre), d1 = TS.Subtract(TS.Load(y + c + n), centre);
            square0 = TS.MultiplyAdd(d0, d0, square0);
            square1 = TS.MultiplyAdd(d1, d1, square1);
        }
        for (; c < cols; c++) tail += (y[c] - mean) * (y[c] - mean);
        float variance = (TS.Sum(TS.Add(square0, square1)) + tail) / cols;
        float inverse = 1f / MathF.Sqrt(variance + eps);

        TVec scale = TS.Create(inverse);
        for (c = 0; c <= cols - n; c += n)
        {
            TVec normalized = TS.Multiply(TS.Subtract(TS.Load(y + c), centre), scale);
            TS.Store(TS.MultiplyAdd(normalized, TS.Load(gamma + c), TS.Load(beta + c)), y + c);
        }
        for (; c < cols; c++) y[c] = (y[c] - mean) * inverse * gamma[c] + beta[c];
    }
}
