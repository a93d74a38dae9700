using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda.Kernels;

/// <summary>Sequences, columns, <see cref="TokenPooling"/> code and whether to L2-normalize.</summary>
public readonly record struct PoolShape(int Sequences, int Cols, int Pooling, int Normalize);

/// <summary>
/// CLS / mean pooling + L2 normalization per packed sequence, the GPU twin of
/// <see cref="Reference.ReferenceKernels.Pool"/>: one warp per sequence, lanes over columns, the norm by warp
/// shuffle. A mean leaves out each sequence's first skips[s] rows (prompt tokens of models that pool without
/// their prompt). Only these [sequences, cols] vectors need to leave the device.
/// </summary>
public static class PoolKernel
{
    /// <summary>One warp per sequence.</summary>
    public static void Pool(ArrayView<float> hidden, ArrayView<int> offsets, ArrayView<int> skips, ArrayView<float> output, PoolShape shape)
    {
        int sequence = Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;
        if (sequence >= shape.Sequences) return;
        int cols = shape.Cols, lane = Warp.LaneIdx, width = Warp.WarpSize;
        bool first = shape.Pooling == (int)TokenPooling.First;
        int start = offsets[sequence] + (first ? 0 : skips[sequence]);
        int rows = first ? 1 : offsets[sequence + 1] - start;
        long outFirst = (long)sequence * cols;
        float squares = 0f;
        for (int c = lane; c < cols; c += width)
        {
            float sum = 0f;
            for (int r = 0; r < rows; r++) sum += hidden[(long)(start + r) * cols + c];
            float mean = sum / rows;
            output[outFirst + c] = mean;
            squares = DeviceMath.Fma(mean, mean, squares);
        }
        if (shape.Normalize == 0) return;
        // torch.nn.functional.normalize: v / max(‖v‖, 1e-12)
        float scale = 1f / MathF.Max(MathF.Sqrt(DeviceMath.WarpSum(squares)), 1e-12f);
        for (int c = lane; c < cols; c += width) output[outFirst + c] *= scale;
    }
}
