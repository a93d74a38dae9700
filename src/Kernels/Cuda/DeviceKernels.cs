using EmbedRt.Kernels.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// The device twin of <see cref="IKernels"/>: one method per fused op, the same names, over device buffers, so
/// nothing leaves the device between ops. Each launches one kernel on the accelerator's default stream (ops
/// are ordered; the host waits only when it copies a result back). Tile and group sizes depend on the
/// accelerator: GPU-sized on CUDA, tiny on ILGPU's CPU simulator, where every group thread is a real thread.
/// </summary>
public sealed class DeviceKernels
{
    private readonly Accelerator _accelerator;
    private readonly bool _simulator;
    private readonly int _rowGroup;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape> _addLayerNorm;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape> _attention;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, PoolShape> _pool;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, GemmShape>? _linearF32;
    private Action<KernelConfig, ArrayView<float>, ArrayView<ushort>, ArrayView<float>, int, ArrayView<float>, GemmShape>? _linearF16, _linearBF16;
    private EmbeddingLaunch<float>? _embeddingF32;
    private EmbeddingLaunch<ushort>? _embeddingF16, _embeddingBF16;

    private delegate void EmbeddingLaunch<T>(KernelConfig config, ArrayView<int> ids, ArrayView<int> positions, ArrayView<int> typeIds,
        ArrayView<T> word, ArrayView<float> position, ArrayView<float> tokenType, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> y, RowShape shape) where T : unmanaged;

    /// <summary>Compiles the kernels every encoder needs for <paramref name="accelerator"/> (16-bit variants on first use).</summary>
    public DeviceKernels(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _simulator = accelerator.AcceleratorType == AcceleratorType.CPU;
        _rowGroup = (_simulator ? 1 : 4) * accelerator.WarpSize;
        _addLayerNorm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape>(LayerNormKernels.AddLayerNorm);
        _pool = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, PoolShape>(PoolKernel.Pool);
        _attention = _simulator
            ? accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape>(FlashAttentionKernel.Attention<AttentionTileSmall>)
            : accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape>(FlashAttentionKernel.Attention<AttentionTile64>);
        var attentionTile = _simulator ? (IAttentionTile)default(AttentionTileSmall) : default(AttentionTile64);
        QueryTileRows = attentionTile.QueryRows;
        MaxHeadDim = attentionTile.MaxHeadDim;
        _attentionThreads = attentionTile.Warps * accelerator.WarpSize;
        GemmTile = _simulator ? default(GemmTile16).Size : default(GemmTile64).Size;
    }

    private readonly int _attentionThreads;

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>Query rows per attention tile (what <see cref="DeviceBatch"/> tiles sequences by).</summary>
    public int QueryTileRows { get; }

    /// <summary>The largest head size attention takes.</summary>
    public int MaxHeadDim { get; }

    /// <summary>GEMM output tile edge.</summary>
    public int GemmTile { get; }

    /// <summary>y[rows, out] = act(x[rows, in] · Wᵀ + b).</summary>
    public void Linear(ArrayView<float> x, int rows, DeviceLinear weights, ArrayView<float> y, Activation activation)
    {
        var shape = new GemmShape(rows, weights.OutFeatures, weights.InFeatures, (int)activation);
        var config = new KernelConfig(new Index2D((shape.Out + GemmTile - 1) / GemmTile, (rows + GemmTile - 1) / GemmTile),
            new Index2D(GemmTile / 4 * (GemmTile / 4), 1));
        int hasBias = weights.HasBias ? 1 : 0;
        switch (weights.Format)
        {
            case null:
                (_linearF32 ??= LoadLinear<float, FloatReader>())(config, x, weights.Floats, weights.Bias, hasBias, y, shape);
                break;
            case HalfFormat.Float16:
                (_linearF16 ??= LoadLinear<ushort, F16Reader>())(config, x, weights.Halves, weights.Bias, hasBias, y, shape);
                break;
            default:
                (_linearBF16 ??= LoadLinear<ushort, BF16Reader>())(config, x, weights.Halves, weights.Bias, hasBias, y, shape);
                break;
        }
    }

    /// <summary>Row-wise y = LayerNorm(x + residual)·gamma + beta; <paramref name="residual"/> empty for none; y may alias either.</summary>
    public void AddLayerNorm(ArrayView<float> x, ArrayView<float> residual, ArrayView<float> gamma, ArrayView<float> beta,
        float eps, int rows, int cols, ArrayView<float> y) =>
        // Without a residual, x stands in for it (never read): the CPU simulator cannot even view an empty buffer.
        _addLayerNorm(RowConfig(rows), x, residual.Length == 0 ? x : residual, residual.Length == 0 ? 0 : 1, gamma, beta, y,
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
                (_embeddingF32 ??= LoadEmbedding<float, FloatReader>())(config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Floats, position, tokenType, gamma, beta, y, shape);
                break;
            case HalfFormat.Float16:
                (_embeddingF16 ??= LoadEmbedding<ushort, F16Reader>())(config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Halves, position, tokenType, gamma, beta, y, shape);
                break;
            default:
                (_embeddingBF16 ??= LoadEmbedding<ushort, BF16Reader>())(config, batch.Ids, batch.Positions, batch.TypeIds,
                    word.Halves, position, tokenType, gamma, beta, y, shape);
                break;
        }
    }

    /// <summary>Multi-head attention over the batch's packed sequences: qkv [tokens, 3·heads·headDim] → context [tokens, heads·headDim].</summary>
    public void Attention(ArrayView<float> qkv, DeviceBatch batch, int heads, int headDim, ArrayView<float> context)
    {
        if (headDim > MaxHeadDim || headDim % 4 != 0)
            throw new NotSupportedException($"head size {headDim} is not supported on this device (a multiple of 4 up to {MaxHeadDim})");
        var config = new KernelConfig(new Index2D(batch.QueryTiles, heads), new Index2D(_attentionThreads, 1));
        _attention(config, qkv, batch.Offsets, batch.Tiles, context, new AttentionShape(heads, headDim, 1f / MathF.Sqrt(headDim)));
    }

    /// <summary>
    /// One vector per sequence of the batch into output [sequences, cols]: first row, or mean of the rows after the
    /// batch's per-sequence skips, optionally L2-normalized.
    /// </summary>
    public void Pool(ArrayView<float> hidden, DeviceBatch batch, int cols, TokenPooling pooling, bool normalize, ArrayView<float> output) =>
        _pool(RowConfig(batch.Count), hidden, batch.Offsets, batch.Skips, output, new PoolShape(batch.Count, cols, (int)pooling, normalize ? 1 : 0));

    /// <summary>Waits for every launched kernel.</summary>
    public void Synchronize() => _accelerator.Synchronize();

    private KernelConfig RowConfig(int rows)
    {
        int rowsPerGroup = _rowGroup / _accelerator.WarpSize;
        return new KernelConfig(Math.Max(1, (rows + rowsPerGroup - 1) / rowsPerGroup), _rowGroup);
    }

    private Action<KernelConfig, ArrayView<float>, ArrayView<T>, ArrayView<float>, int, ArrayView<float>, GemmShape> LoadLinear<T, TReader>()
        where T : unmanaged
        where TReader : struct, IElementReader<T> => _simulator
        ? _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<T>, ArrayView<float>, int, ArrayView<float>, GemmShape>(GemmKernel.Linear<GemmTile16, T, TReader>)
        : _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<T>, ArrayView<float>, int, ArrayView<float>, GemmShape>(GemmKernel.Linear<GemmTile64, T, TReader>);

    private EmbeddingLaunch<T> LoadEmbedding<T, TReader>()
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        var launch = _accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<T>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape>(LayerNormKernels.EmbeddingLayerNorm<T, TReader>);
        return (config, ids, positions, typeIds, word, position, tokenType, gamma, beta, y, shape) =>
            launch(config, ids, positions, typeIds, word, position, tokenType, gamma, beta, y, shape);
    }
}
