using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda.Kernels;

/// <summary>Rows and columns of a row-wise kernel, and LayerNorm's epsilon.</summary>
public readonly record struct RowShape(int Rows, int Cols, float Eps);

/// <summary>
/// LayerNorm kernels, GPU twins of <see cref="Reference.ReferenceKernels.AddLayerNorm"/> and
/// <see cref="Reference.ReferenceKernels.EmbeddingLayerNorm"/>: one warp per row, any group of whole warps.
/// Two passes in float32 (mean, then the mean of squared deviations) with warp-shuffle reductions; the
/// pre-norm sum is parked in y (each lane re-reads only what it wrote), so y may alias x or the residual.
/// Rows whose columns are a multiple of 4 move as 16-byte vectors.
/// </summary>
public static class LayerNormKernels
{
    /// <summary>y = LayerNorm(x + residual)·gamma + beta; <paramref name="hasResidual"/> 0 for a plain LayerNorm.</summary>
    public static void AddLayerNorm(ArrayView<float> x, ArrayView<float> residual, int hasResidual,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y, RowShape shape)
    {
        int row = Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;
        if (row >= shape.Rows) return; // the whole warp leaves together: no shuffle is left waiting
        int cols = shape.Cols, lane = Warp.LaneIdx, width = Warp.WarpSize;
        long first = (long)row * cols;
        float sum = 0f;
        if (cols % 4 == 0)
        {
            var x4 = x.Cast<Float4>().AsAligned(16);
            var r4 = residual.Cast<Float4>().AsAligned(16);
            var y4 = y.Cast<Float4>().AsAligned(16);
            long firstQuad = first / 4;
            for (int q = lane; q < cols / 4; q += width)
            {
                var v = x4[firstQuad + q];
                if (hasResidual != 0)
                {
                    var r = r4[firstQuad + q];
                    v.X += r.X; v.Y += r.Y; v.Z += r.Z; v.W += r.W;
                }
                y4[firstQuad + q] = v;
                sum += v.X + v.Y + v.Z + v.W;
            }
        }
        else
        {
            for (int c = lane; c < cols; c += width)
            {
                float v = x[first + c] + (hasResidual != 0 ? residual[first + c] : 0f);
                y[first + c] = v;
                sum += v;
            }
        }
        NormalizeRow(y, first, sum, gamma, beta, shape);
    }

    /// <summary>
    /// y[t] = LayerNorm(word[ids[t]] + position[positions[t]] + tokenType[typeIds[t]])·gamma + beta, the word
    /// table read through <typeparamref name="TReader"/> (float32, or F16 / BF16 kept 16-bit).
    /// </summary>
    public static void EmbeddingLayerNorm<T, TReader>(ArrayView<int> ids, ArrayView<int> positions, ArrayView<int> typeIds,
        ArrayView<T> word, ArrayView<float> position, ArrayView<float> tokenType,
        ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y, RowShape shape)
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        int row = Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;
        if (row >= shape.Rows) return;
        int cols = shape.Cols, lane = Warp.LaneIdx, width = Warp.WarpSize;
        long first = (long)row * cols;
        long w = (long)ids[row] * cols, p = (long)positions[row] * cols, k = (long)typeIds[row] * cols;
        var reader = default(TReader);
        float sum = 0f;
        for (int c = lane; c < cols; c += width)
        {
            float v = reader.Read(word, w + c) + position[p + c] + tokenType[k + c];
            y[first + c] = v;
            sum += v;
        }
        NormalizeRow(y, first, sum, gamma, beta, shape);
    }

    /// <summary>From the parked sum row and its lane-partial sum: mean, variance, then the affine output in place.</summary>
    private static void NormalizeRow(ArrayView<float> y, long first, float partialSum, ArrayView<float> gamma,
        ArrayView<float> beta, RowShape shape)
    {
        int cols = shape.Cols, lane = Warp.LaneIdx, width = Warp.WarpSize;
        float mean = DeviceMath.WarpSum(partialSum) / cols;
        float squares = 0f;
        for (int c = lane; c < cols; c += width)
        {
            float d = y[first + c] - mean;
            squares = DeviceMath.Fma(d, d, squares);
        }
        float inverse = 1f / MathF.Sqrt(DeviceMath.WarpSum(squares) / cols + shape.Eps);
        for (int c = lane; c < cols; c += width)
            y[first + c] = DeviceMath.Fma((y[first + c] - mean) * inverse, gamma[c], beta[c]);
    }
}
