using EmbedRt.Kernels.Cpu.Attention;
using EmbedRt.Kernels.Cpu.Elementwise;
using EmbedRt.Kernels.Cpu.Gemm;
using EmbedRt.Kernels.Cpu.Normalization;
using EmbedRt.Kernels.Cpu.Pooling;
using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu;

/// <summary>
/// The CPU kernels at one SIMD width. Arguments arrive validated by <see cref="CpuKernels"/>; spans are pinned
/// here for the duration of a call and the long-lived jobs hold the raw pointers only while it runs.
/// </summary>
internal sealed unsafe class TieredKernels<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    private readonly GemmJob<TS, TVec> _gemm;
    private readonly AttentionJob<TS, TVec> _attention;
    private readonly LayerNormJob<TS, TVec> _layerNorm;
    private readonly EmbeddingLayerNormJob<TS, TVec> _embedding;

    public TieredKernels(WorkerPool pool)
    {
        _gemm = new GemmJob<TS, TVec>(pool);
        _attention = new AttentionJob<TS, TVec>(pool);
        _layerNorm = new LayerNormJob<TS, TVec>(pool);
        _embedding = new EmbeddingLayerNormJob<TS, TVec>(pool);
    }

    public static int PanelWidth => GemmJob<TS, TVec>.PanelWidth;

    public void Linear(ReadOnlySpan<float> x, int rows, PackedLinear weights, Span<float> y, Activation activation)
    {
        fixed (float* px = x)
        fixed (float* py = y)
            _gemm.Run(px, rows, weights, py, activation);
    }

    public void AddLayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, int rows, int cols, Span<float> y)
    {
        fixed (float* px = x)
        fixed (float* pr = residual)
        fixed (float* pg = gamma)
        fixed (float* pb = beta)
        fixed (float* py = y)
            _layerNorm.Run(px, residual.IsEmpty ? null : pr, pg, pb, eps, rows, cols, py);
    }

    public void EmbeddingLayerNorm(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds,
        EmbeddingTable word, ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, int cols, Span<float> y)
    {
        fixed (int* pi = ids)
        fixed (int* pp = positions)
        fixed (int* pt = typeIds)
        fixed (float* pw = word.Floats.Span)
        fixed (ushort* ph = word.Halves.Span)
        fixed (float* ppos = position)
        fixed (float* ptt = tokenType)
        fixed (float* pg = gamma)
        fixed (float* pb = beta)
        fixed (float* py = y)
            _embedding.Run(pi, pp, pt, pw, ph, word.Format ?? default, ppos, ptt, pg, pb, eps, ids.Length, cols, py);
    }

    public static void Pool(ReadOnlySpan<float> hidden, int rows, int cols, TokenPooling pooling, bool normalize, Span<float> output)
    {
        fixed (float* ph = hidden)
        fixed (float* po = output)
            SequencePooling<TS, TVec>.Run(ph, rows, cols, pooling, normalize, po);
    }

    public void Attention(ReadOnlySpan<float> qkv, ReadOnlySpan<int> sequenceOffsets, int heads, int headDim, Span<float> context)
    {
        fixed (float* pq = qkv)
        fixed (float* pc = context)
            _attention.Run(pq, sequenceOffsets, heads, headDim, pc);
    }

    public static void Activate(Span<float> x, Activation activation)
    {
        fixed (float* px = x)
            ElementwiseLoop<TS, TVec>.Apply(px, x.Length, activation);
    }
}
