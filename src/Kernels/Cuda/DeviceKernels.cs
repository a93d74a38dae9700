using EmbedRt.Kernels.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// The device twin of <see cref="IKernels"/>: one method per fused op, the same names, over device buffers, so
/// nothing leaves the device between ops. Each launches one kernel on this instance's stream, so ops queued
/// through one instance run in order (the host waits only when it copies a result back); instances on different
/// streams of one accelerator share one compiled kernel set and run independently.
/// </summary>
public sealed class DeviceKernels
{
    private readonly KernelSet _set;
    private readonly AcceleratorStream _stream;

    /// <summary>Compiles the kernels for <paramref name="accelerator"/> (16-bit variants on first use) and launches them on its default stream.</summary>
    public DeviceKernels(Accelerator accelerator) : this(new KernelSet(accelerator), accelerator.DefaultStream) { }

    /// <summary>Already compiled kernels, launched on <paramref name="stream"/>.</summary>
    internal DeviceKernels(KernelSet set, AcceleratorStream stream)
    {
        _set = set;
        _stream = stream;
    }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _set.Accelerator;

    /// <summary>The compiled kernels launched from here.</summary>
    internal KernelSet Set => _set;

    /// <summary>The stream every op is queued on.</summary>
    public AcceleratorStream Stream => _stream;

    /// <summary>Query rows per attention tile (what <see cref="DeviceBatch"/> tiles sequences by).</summary>
    public int QueryTileRows => _set.QueryTileRows;

    /// <summary>The largest head size attention takes.</summary>
    public int MaxHeadDim => _set.MaxHeadDim;

    /// <summary>GEMM output tile edge.</summary>
    public int GemmTile => _set.GemmTile;

    /// <summary>y[rows, out] = act(x[rows, in] · Wᵀ + b).</summary>
    public void Linear(ArrayView<float> x, int rows, DeviceLinear weights, ArrayView<float> y, Activation activation) =>
        Linear(x, new GemmShape(rows, weights.OutFeatures, weights.InFeatures, (int)activation), _set.NoOffsets, weights, y);

    /// <summary>
    /// The same over every row of the batch's sequences but each one's first (ColBERT leaves out CLS), in one launch:
    /// y gets batch.Tokens − batch.Count rows, packed in sequence order.
    /// </summary>
    public void LinearAfterFirst(ArrayView<float> x, DeviceBatch batch, DeviceLinear weights, ArrayView<float> y, Activation activation) =>
        Linear(x, new GemmShape(batch.Tokens - batch.Count, weights.OutFeatures, weights.InFeatures, (int)activation, batch.Count),
            batch.Offsets, weights, y);

    private void Linear(ArrayView<float> x, GemmShape shape, ArrayView<int> offsets, DeviceLinear weights, ArrayView<float> y)
    {
        if (shape.Rows == 0) return;
        var config = new KernelConfig(new Index2D((shape.Out + GemmTile - 1) / GemmTile, (shape.Rows + GemmTile - 1) / GemmTile),
            new Index2D(GemmTile / 4 * (GemmTile / 4), 1));
        int hasBias = weights.HasBias ? 1 : 0;
        switch (weights.Format)
        {
            case null:
                _set.LinearF32(_stream, config, x, weights.Floats, weights.Bias, hasBias, offsets, y, shape);
                break;
            case HalfFormat.Float16:
                _set.LinearF16(_stream, config, x, weights.Halves, weights.Bias, hasBias, offsets, y, shape);
                break;
            default:
                _set.LinearBF16(_stream, config, x, weights.Halves, weights.Bias, hasBias, offsets, y, shape);
                break;
        }
    }

    /// <summary>Row-wise y = LayerNorm(x + residual)·gamma + beta; <paramref name="residual"/> empty for none; y may alias either.</summary>
    public void AddLayerNorm(ArrayView<float> x, ArrayView<float> residual, ArrayView<float> gamma, ArrayView<float> beta,
        float eps, int rows, int cols, ArrayView<float> y) =>
        // Without a residual, x stands in for it (never read): the CPU simulator cannot even view an empty buffer.
        _set.AddLayerNorm(_stream, RowConfig(rows), x, residual.Length == 0 ? x : residual, residual.Length == 0 ? 0 : 1, gamma, beta, y,
            new RowShape(rows, cols, eps));

    /// <summary>y[t] = LayerNorm(word[ids[t]] + position[positions[t]] + tokenType[typeIds[t]])·gamma + beta for the batch's tokens.</summary>
    public void EmbeddingLayerNorm(DeviceBatch batch, DeviceEmbeddingTable word, ArrayView<float> position, ArrayView<float> tokenType,
        ArrayView<float> gamma, ArrayView<float> beta, float eps, int cols, ArrayView<float> y)
    {
        var config = RowConfig(batch.Tokens);
        var shape = new RowShape(batch.Tokens, cols, eps);
        switch (word.Format)
        {
            case null:
                _set.EmbeddingF32(_stream, config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Floats, position, tokenType, gamma, beta, y, shape);
                break;
            case HalfFormat.Float16:
                _set.EmbeddingF16(_stream, config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Halves, position, tokenType, gamma, beta, y, shape);
                break;
            default:
                _set.EmbeddingBF16(_stream, config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Halves, position, tokenType, gamma, beta, y, shape);
                break;
        }
    }

    /// <summary>Multi-head attention over the batch's packed sequences: qkv [tokens, 3·heads·headDim] → context [tokens, heads·headDim].</summary>
    public void Attention(ArrayView<float> qkv, DeviceBatch batch, int heads, int headDim, ArrayView<float> context)
    {
        if (headDim > MaxHeadDim || headDim % 4 != 0)
            throw new NotSupportedException($"head size {headDim} is not supported on this device (a multiple of 4 up to {MaxHeadDim})");
        var config = new KernelConfig(new Index2D(batch.QueryTiles, heads), new Index2D(_set.AttentionThreads, 1));
        _set.Attention(_stream, config, qkv, batch.Offsets, batch.Tiles, context, new AttentionShape(heads, headDim, 1f / MathF.Sqrt(headDim)));
    }

    /// <summary>
    /// One vector per sequence of the batch into output [sequences, cols]: first row, or mean of the rows after the
    /// batch's per-sequence skips, optionally L2-normalized.
    /// </summary>
    public void Pool(ArrayView<float> hidden, DeviceBatch batch, int cols, TokenPooling pooling, bool normalize, ArrayView<float> output) =>
        _set.Pool(_stream, RowConfig(batch.Count), hidden, batch.Offsets, batch.Skips, output, new PoolShape(batch.Count, cols, (int)pooling, normalize ? 1 : 0));

    /// <summary>Waits for every op queued on <see cref="Stream"/>.</summary>
    public void Synchronize() => _stream.Synchronize();

    private KernelConfig RowConfig(int rows)
    {
        int rowsPerGroup = _set.RowGroup / _set.Accelerator.WarpSize;
        return new KernelConfig(Math.Max(1, (rows + rowsPerGroup - 1) / rowsPerGroup), _set.RowGroup);
    }
}
