using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EmbedRt.Kernels.Cpu.Gemm;
using EmbedRt.Kernels.Cpu.Quantized;
using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu;

/// <summary>
/// Fast CPU kernels: packed-weight GEMM with a register-blocked FMA micro-kernel and fused epilogue (and an
/// int8 one on integer dot products, <see cref="Int8Kernel"/>),
/// flash-style attention, fused add + LayerNorm, fused embedding gather + LayerNorm, fused pooling + L2
/// normalization, vectorized activations. Every kernel body is written once over
/// <see cref="ISimd{TVec}"/>; the width is chosen here, once, from what the hardware accelerates
/// (<see cref="BestTier"/>). Work is spread over a persistent pool of <see cref="Threads"/> threads (the
/// calling thread included). Calls on one instance are serialized; use one instance per concurrent caller
/// if calls must overlap.
/// </summary>
public sealed class CpuKernels : IKernels, IDisposable
{
    private readonly WorkerPool _pool;
    private readonly Lock _gate = new();
    private readonly TieredKernels<Simd512, Vector512<float>>? _v512;
    private readonly TieredKernels<Simd256, Vector256<float>>? _v256;
    private readonly TieredKernels<SimdScalar, float>? _scalar;
    private readonly int _panelWidth;
    private readonly IInt8Gemm _int8;

    /// <summary>Creates kernels at <see cref="BestTier"/> using <paramref name="threads"/> threads.</summary>
    public CpuKernels(int threads) : this(threads, BestTier)
    {
    }

    /// <summary>
    /// Creates kernels at a given <paramref name="tier"/> (at most <see cref="BestTier"/>; lower tiers serve
    /// tests and comparisons) using <paramref name="threads"/> threads.
    /// </summary>
    public CpuKernels(int threads, CpuTier tier)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "need at least one thread");
        if (tier > BestTier)
            throw new PlatformNotSupportedException($"CPU tier {tier} is not accelerated here; best available is {BestTier}");
        _pool = new WorkerPool(threads);
        Tier = tier;
        Threads = threads;
        switch (tier)
        {
            case CpuTier.Vector512:
                _v512 = new(_pool);
                _panelWidth = TieredKernels<Simd512, Vector512<float>>.PanelWidth;
                Name = "cpu-avx512";
                break;
            case CpuTier.Vector256:
                _v256 = new(_pool);
                _panelWidth = TieredKernels<Simd256, Vector256<float>>.PanelWidth;
                Name = "cpu-avx2";
                break;
            default:
                _scalar = new(_pool);
                _panelWidth = TieredKernels<SimdScalar, float>.PanelWidth;
                Name = "cpu-scalar";
                break;
        }
        _int8 = Int8GemmFor(tier, _pool);
    }

    /// <summary>
    /// The int8 GEMM for a tier: AVX-VNNI's 256-bit vpdpbusd wherever the CPU has it, at either vector tier (it
    /// does four multiply-adds per 32-bit lane, twice a 512-bit FMA's float work per instruction; .NET has no
    /// 512-bit VNNI intrinsic), else widening vpmaddwd at the tier's width, else scalar.
    /// </summary>
    private static IInt8Gemm Int8GemmFor(CpuTier tier, WorkerPool pool) => tier switch
    {
        >= CpuTier.Vector256 when AvxVnni.IsSupported => new Int8GemmJob<Vnni256, Vector256<int>, Simd256, Vector256<float>>(pool),
        CpuTier.Vector512 when Avx512BW.IsSupported => new Int8GemmJob<Widened512, Vector512<int>, Simd512, Vector512<float>>(pool),
        >= CpuTier.Vector256 when Avx2.IsSupported => new Int8GemmJob<Widened256, Vector256<int>, Simd256, Vector256<float>>(pool),
        _ => new Int8GemmJob<Int8Scalar, int, SimdScalar, float>(pool),
    };

    /// <summary>The widest tier this process can run: Vector512, then Vector256, then scalar.</summary>
    public static CpuTier BestTier =>
        Vector512.IsHardwareAccelerated ? CpuTier.Vector512
        : Vector256.IsHardwareAccelerated ? CpuTier.Vector256
        : CpuTier.Scalar;

    /// <summary>The tier this instance computes with.</summary>
    public CpuTier Tier { get; }

    /// <summary>Threads used per call, the calling thread included.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The instructions int8 linear layers run on: "avx-vnni", "avx512bw", "avx2" or "scalar".</summary>
    public string Int8Kernel => _int8.Name;

    /// <inheritdoc />
    public LinearWeights PrepareLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        return new PackedLinear(weight, bias, outFeatures, inFeatures, _panelWidth);
    }

    /// <inheritdoc />
    public LinearWeights PrepareLinear(ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format), format, "unknown 16-bit format");
        return new PackedLinear(weight, format, bias, outFeatures, inFeatures, _panelWidth);
    }

    /// <inheritdoc />
    public LinearWeights PrepareLinearInt8(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        return new PackedInt8Linear(weight, bias, outFeatures, inFeatures, _int8.PanelWidth);
    }

    /// <inheritdoc />
    public void Linear(ReadOnlySpan<float> x, int rows, LinearWeights weights, Span<float> y, Activation activation)
    {
        if (weights is PackedInt8Linear int8 && int8.PanelWidth == _int8.PanelWidth)
        {
            LinearInt8(x, rows, int8, y, activation);
            return;
        }
        if (weights is not PackedLinear packed || packed.PanelWidth != _panelWidth)
            throw new ArgumentException($"weights were not prepared by a {Name} kernel set", nameof(weights));
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        RequireLength(x.Length, (long)rows * packed.InFeatures, nameof(x));
        RequireLength(y.Length, (long)rows * packed.OutFeatures, nameof(y));
        RequireActivation(activation);
        lock (_gate)
        {
            if (_v512 is not null) _v512.Linear(x, rows, packed, y, activation);
            else if (_v256 is not null) _v256.Linear(x, rows, packed, y, activation);
            else _scalar!.Linear(x, rows, packed, y, activation);
        }
    }

    private unsafe void LinearInt8(ReadOnlySpan<float> x, int rows, PackedInt8Linear weights, Span<float> y, Activation activation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        RequireLength(x.Length, (long)rows * weights.InFeatures, nameof(x));
        RequireLength(y.Length, (long)rows * weights.OutFeatures, nameof(y));
        RequireActivation(activation);
        lock (_gate)
        {
            fixed (float* px = x)
            fixed (float* py = y)
                _int8.Run(px, rows, weights, py, activation);
        }
    }

    /// <inheritdoc />
    public void AddLayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, int rows, int cols, Span<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long size = (long)rows * cols;
        RequireLength(x.Length, size, nameof(x));
        if (!residual.IsEmpty) RequireLength(residual.Length, size, nameof(residual));
        RequireLength(gamma.Length, cols, nameof(gamma));
        RequireLength(beta.Length, cols, nameof(beta));
        RequireLength(y.Length, size, nameof(y));
        if (rows == 0) return;
        lock (_gate)
        {
            if (_v512 is not null) _v512.AddLayerNorm(x, residual, gamma, beta, eps, rows, cols, y);
            else if (_v256 is not null) _v256.AddLayerNorm(x, residual, gamma, beta, eps, rows, cols, y);
            else _scalar!.AddLayerNorm(x, residual, gamma, beta, eps, rows, cols, y);
        }
    }

    /// <inheritdoc />
    public void EmbeddingLayerNorm(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds,
        EmbeddingTable word, ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, int cols, Span<float> y)
    {
        KernelChecks.Embedding(ids, positions, typeIds, word, position.Length, tokenType.Length, gamma.Length,
            beta.Length, cols, y.Length);
        if (ids.IsEmpty) return;
        lock (_gate)
        {
            if (_v512 is not null) _v512.EmbeddingLayerNorm(ids, positions, typeIds, word, position, tokenType, gamma, beta, eps, cols, y);
            else if (_v256 is not null) _v256.EmbeddingLayerNorm(ids, positions, typeIds, word, position, tokenType, gamma, beta, eps, cols, y);
            else _scalar!.EmbeddingLayerNorm(ids, positions, typeIds, word, position, tokenType, gamma, beta, eps, cols, y);
        }
    }

    /// <inheritdoc />
    public void Pool(ReadOnlySpan<float> hidden, int rows, int cols, TokenPooling pooling, bool normalize, Span<float> output)
    {
        KernelChecks.Pool(hidden.Length, rows, cols, pooling, output.Length);
        switch (Tier)
        {
            case CpuTier.Vector512: TieredKernels<Simd512, Vector512<float>>.Pool(hidden, rows, cols, pooling, normalize, output); break;
            case CpuTier.Vector256: TieredKernels<Simd256, Vector256<float>>.Pool(hidden, rows, cols, pooling, normalize, output); break;
            default: TieredKernels<SimdScalar, float>.Pool(hidden, rows, cols, pooling, normalize, output); break;
        }
    }

    /// <inheritdoc />
    public void Attention(ReadOnlySpan<float> qkv, ReadOnlySpan<int> sequenceOffsets, int heads, int headDim, Span<float> context)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        if (sequenceOffsets.Length < 2) return;
        if (sequenceOffsets[0] < 0) throw new ArgumentException("sequence offsets must start at a non-negative row", nameof(sequenceOffsets));
        for (int s = 1; s < sequenceOffsets.Length; s++)
            if (sequenceOffsets[s] < sequenceOffsets[s - 1])
                throw new ArgumentException($"sequence offsets decrease at index {s}", nameof(sequenceOffsets));
        long tokens = sequenceOffsets[^1], hidden = (long)heads * headDim;
        RequireLength(qkv.Length, tokens * 3 * hidden, nameof(qkv));
        RequireLength(context.Length, tokens * hidden, nameof(context));
        lock (_gate)
        {
            if (_v512 is not null) _v512.Attention(qkv, sequenceOffsets, heads, headDim, context);
            else if (_v256 is not null) _v256.Attention(qkv, sequenceOffsets, heads, headDim, context);
            else _scalar!.Attention(qkv, sequenceOffsets, heads, headDim, context);
        }
    }

    /// <inheritdoc />
    public void Activate(Span<float> x, Activation activation)
    {
        RequireActivation(activation);
        switch (Tier)
        {
            case CpuTier.Vector512: TieredKernels<Simd512, Vector512<float>>.Activate(x, activation); break;
            case CpuTier.Vector256: TieredKernels<Simd256, Vector256<float>>.Activate(x, activation); break;
            default: TieredKernels<SimdScalar, float>.Activate(x, activation); break;
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _pool.Dispose();

    private static void RequireLength(int actual, long needed, string name)
    {
        if (actual < needed) throw new ArgumentException($"{name} has {actual} values, needs at least {needed}", name);
    }

    private static void RequireActivation(Activation activation)
    {
        if (!Enum.IsDefined(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
    }
}
