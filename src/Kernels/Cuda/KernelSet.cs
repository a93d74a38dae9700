using EmbedRt.Kernels.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// The encoder's kernels compiled once for one accelerator, as launchers that take the stream to queue on: shared
/// by every <see cref="DeviceKernels"/> (one per encoder and stream) on that accelerator. Immutable once compiled;
/// the 16-bit variants compile on first use, once, whichever thread asks first. Tile and group sizes depend on the
/// accelerator: GPU-sized on CUDA, tiny on ILGPU's CPU simulator, where every group thread is a real thread.
/// </summary>
internal sealed class KernelSet
{
    private readonly Accelerator _accelerator;
    private readonly bool _simulator;
    private object? _loadLock;
    private int _compiled;
    private Linear<float>? _linearF32;
    private Linear<ushort>? _linearF16, _linearBF16;
    private Embedding<float>? _embeddingF32;
    private Embedding<ushort>? _embeddingF16, _embeddingBF16;

    public delegate void Linear<T>(AcceleratorStream stream, KernelConfig config, ArrayView<float> x, ArrayView<T> weight,
        ArrayView<float> bias, int hasBias, ArrayView<int> offsets, ArrayView<float> y, GemmShape shape) where T : unmanaged;

    public delegate void Embedding<T>(AcceleratorStream stream, KernelConfig config, ArrayView<int> ids, ArrayView<int> positions,
        ArrayView<int> typeIds, ArrayView<T> word, ArrayView<float> position, ArrayView<float> tokenType, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, RowShape shape) where T : unmanaged;

    /// <summary>Compiles the kernels every encoder needs (the rest on first use).</summary>
    public KernelSet(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _simulator = accelerator.AcceleratorType == AcceleratorType.CPU;
        RowGroup = (_simulator ? 1 : 4) * accelerator.WarpSize;
        AddLayerNorm = Count(accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape>(LayerNormKernels.AddLayerNorm));
        Pool = Count(accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, PoolShape>(PoolKernel.Pool));
        Attention = Count(_simulator
            ? accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape>(FlashAttentionKernel.Attention<AttentionTileSmall>)
            : accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape>(FlashAttentionKernel.Attention<AttentionTile64>));
        var attentionTile = _simulator ? (IAttentionTile)default(AttentionTileSmall) : default(AttentionTile64);
        QueryTileRows = attentionTile.QueryRows;
        MaxHeadDim = attentionTile.MaxHeadDim;
        AttentionThreads = attentionTile.Warps * accelerator.WarpSize;
        GemmTile = _simulator ? default(GemmTile16).Size : default(GemmTile64).Size;
        // Freed with the accelerator, like every buffer on it.
        NoOffsets = accelerator.Allocate1D<int>(4).View;
    }

    public Accelerator Accelerator => _accelerator;

    /// <summary>Kernels compiled so far (each one once per accelerator).</summary>
    public int Compiled => Volatile.Read(ref _compiled);

    /// <summary>Threads per group of the row kernels (LayerNorm, pooling): one warp per row.</summary>
    public int RowGroup { get; }
    public int QueryTileRows { get; }
    public int MaxHeadDim { get; }
    public int AttentionThreads { get; }
    public int GemmTile { get; }

    /// <summary>The offsets a GEMM over plain rows is given (never read; the CPU simulator cannot view an empty buffer).</summary>
    public ArrayView<int> NoOffsets { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape> AddLayerNorm { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape> Attention { get; }
    public Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, PoolShape> Pool { get; }

    public Linear<float> LinearF32 => Once(ref _linearF32, LoadLinear<float, FloatReader>);
    public Linear<ushort> LinearF16 => Once(ref _linearF16, LoadLinear<ushort, F16Reader>);
    public Linear<ushort> LinearBF16 => Once(ref _linearBF16, LoadLinear<ushort, BF16Reader>);
    public Embedding<float> EmbeddingF32 => Once(ref _embeddingF32, LoadEmbedding<float, FloatReader>);
    public Embedding<ushort> EmbeddingF16 => Once(ref _embeddingF16, LoadEmbedding<ushort, F16Reader>);
    public Embedding<ushort> EmbeddingBF16 => Once(ref _embeddingBF16, LoadEmbedding<ushort, BF16Reader>);

    private T Once<T>(ref T? kernel, Func<T> load) where T : class =>
        Volatile.Read(ref kernel) ?? LazyInitializer.EnsureInitialized(ref kernel, ref _loadLock, () => Count(load()))!;

    private T Count<T>(T kernel)
    {
        Interlocked.Increment(ref _compiled);
        return kernel;
    }

    private Linear<T> LoadLinear<T, TReader>()
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        var launch = _simulator
            ? _accelerator.LoadKernel<ArrayView<float>, ArrayView<T>, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, GemmShape>(GemmKernel.Linear<GemmTile16, T, TReader>)
            : _accelerator.LoadKernel<ArrayView<float>, ArrayView<T>, ArrayView<float>, int, ArrayView<int>, ArrayView<float>, GemmShape>(GemmKernel.Linear<GemmTile64, T, TReader>);
        return new Linear<T>(launch);
    }

    private Embedding<T> LoadEmbedding<T, TReader>()
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        var launch = _accelerator.LoadKernel<ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<T>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape>(LayerNormKernels.EmbeddingLayerNorm<T, TReader>);
        return new Embedding<T>(launch);
    }
}
