using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Pooling;

/// <summary>
/// First-row or mean pooling of one sequence and the L2 normalization, fused: the rows are summed into the
/// output, then one pass takes the norm and one scales by 1/rows and 1/norm together.
/// </summary>
internal static unsafe class SequencePooling<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* hidden, int rows, int cols, TokenPooling pooling, bool normalize, float* output)
    {
        int n = TS.Count, used = pooling == TokenPooling.First ? 1 : rows, c;
        new ReadOnlySpan<float>(hidden, cols).CopyTo(new Span<float>(output, cols));
        for (int r = 1; r < used; r++)
        {
            float* row = hidden + (long)r * cols;
            for (c = 0; c <= cols - n; c += n) TS.Store(TS.Add(TS.Load(output + c), TS.Load(row + c)), output + c);
            for (; c < cols; c++) output[c] += row[c];
        }
        float scale = 1f / used;
        if (normalize)
        {
            TVec squares = TS.Zero;
            float tail = 0f;
            for (c = 0; c <= cols - n; c += n)
            {
                TVec v = TS.Load(output + c);
                squares = TS.MultiplyAdd(v, v, squares);
            }
            for (; c < cols; c++) tail += output[c] * output[c];
            // torch's normalize divides by max(‖v‖, 1e-12); v here is the sum of `used` rows.
            scale = 1f / MathF.Max(MathF.Sqrt(TS.Sum(squares) + tail), used * 1e-12f);
        }
        if (scale == 1f) return;
        TVec factor = TS.Create(scale);
        for (c = 0; c <= cols - n; c += n) TS.Store(TS.Multiply(TS.Load(output + c), factor), output + c);
        for (; c < cols; c++) output[c] *= scale;
    }
}
