using EmbedRt.Kernels;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Kernels.Reference;
using EmbedRt.TestKit;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// Each GPU kernel against the reference kernel on odd tiny shapes, run on ILGPU's CPU simulator (shared
/// memory, barriers and warp shuffles included), with a max-abs-error threshold per op as in ggml's
/// test-backend-ops. Shapes cross tile edges (GEMM tile 16, attention tiles 4) and take both the vector path
/// (columns a multiple of 4) and the scalar one.
/// </summary>
public class KernelTests
{
    private static readonly ReferenceKernels Reference = new();

    [Theory]
    [InlineData(13, 29, 37, Activation.None)]
    [InlineData(17, 20, 32, Activation.GeluErf)]
    [InlineData(5, 33, 12, Activation.GeluTanh)]
    [InlineData(3, 7, 18, Activation.Tanh)]
    public void LinearMatchesReference(int rows, int outFeatures, int inFeatures, Activation activation)
    {
        var x = Metrics.Random(rows * inFeatures, 1);
        var w = Metrics.Random(outFeatures * inFeatures, 2, 0.3f);
        var b = Metrics.Random(outFeatures, 3);
        var expected = new float[rows * outFeatures];
        Reference.Linear(x, rows, Reference.PrepareLinear(w, b, outFeatures, inFeatures), expected, activation);

        using var weights = new DeviceLinear(Simulator.Accelerator, w, b, outFeatures, inFeatures);
        Assert.InRange(Metrics.MaxAbsError(RunLinear(x, rows, weights, activation), expected), 0, 1e-5);
    }

    [Fact]
    public void LinearAfterFirstSkipsEachSequencesFirstRowInOneLaunch()
    {
        // ColBERT's projection: lengths 5, 1 (nothing left), 12, 2: 15 rows out of 20, packed, crossing a 16-row tile.
        int[] offsets = [0, 5, 6, 18, 20];
        const int outFeatures = 11, inFeatures = 20;
        int tokens = offsets[^1], rows = tokens - (offsets.Length - 1);
        var x = Metrics.Random(tokens * inFeatures, 21);
        var w = Metrics.Random(outFeatures * inFeatures, 22, 0.3f);
        var b = Metrics.Random(outFeatures, 23);
        var kept = Enumerable.Range(0, offsets.Length - 1).SelectMany(s => Enumerable.Range(offsets[s] + 1, offsets[s + 1] - offsets[s] - 1))
            .SelectMany(row => x.AsSpan(row * inFeatures, inFeatures).ToArray()).ToArray();
        var expected = new float[rows * outFeatures];
        Reference.Linear(kept, rows, Reference.PrepareLinear(w, b, outFeatures, inFeatures), expected, Activation.None);

        using var weights = new DeviceLinear(Simulator.Accelerator, w, b, outFeatures, inFeatures);
        using var batch = new DeviceBatch(Simulator.Accelerator, Simulator.Kernels.QueryTileRows);
        batch.Upload(new int[tokens], new int[tokens], new int[tokens], offsets);
        using var dx = Simulator.Upload(x);
        using var y = Simulator.Accelerator.Allocate1D<float>(rows * outFeatures);
        Simulator.Kernels.LinearAfterFirst(dx.View.BaseView, batch, weights, y.View.BaseView, Activation.None);
        Assert.InRange(Metrics.MaxAbsError(Simulator.Download(y, rows * outFeatures), expected), 0, 1e-5);
    }

    [Theory]
    [InlineData(HalfFormat.Float16, 9, 21, 16)]
    [InlineData(HalfFormat.BFloat16, 6, 18, 19)]
    public void LinearWithHalfWeightsMatchesWidenedReference(HalfFormat format, int rows, int outFeatures, int inFeatures)
    {
        var x = Metrics.Random(rows * inFeatures, 4);
        var halves = Metrics.Random(outFeatures * inFeatures, 5, 0.3f).Select(v => Encode(v, format)).ToArray();
        var b = Metrics.Random(outFeatures, 6);
        var expected = new float[rows * outFeatures];
        Reference.Linear(x, rows, Reference.PrepareLinear(halves, format, b, outFeatures, inFeatures), expected, Activation.GeluErf);

        using var weights = new DeviceLinear(Simulator.Accelerator, halves, format, b, outFeatures, inFeatures);
        Assert.InRange(Metrics.MaxAbsError(RunLinear(x, rows, weights, Activation.GeluErf), expected), 0, 1e-5);
    }

    [Theory]
    [InlineData(7, 37, true)]
    [InlineData(5, 48, true)]
    [InlineData(3, 20, false)]
    public void AddLayerNormMatchesReference(int rows, int cols, bool withResidual)
    {
        var x = Metrics.Random(rows * cols, 7, 3f);
        var residual = withResidual ? Metrics.Random(rows * cols, 8) : [];
        var gamma = Metrics.Random(cols, 9);
        var beta = Metrics.Random(cols, 10);
        var expected = new float[rows * cols];
        Reference.AddLayerNorm(x, residual, gamma, beta, 1e-12f, rows, cols, expected);

        using var dx = Simulator.Upload(x);
        using var dr = Simulator.Upload(residual);
        using var dg = Simulator.Upload(gamma);
        using var db = Simulator.Upload(beta);
        // y aliases the residual, as in the encoder.
        var y = withResidual ? dr : dx;
        Simulator.Kernels.AddLayerNorm(dx.View.BaseView, withResidual ? dr.View.BaseView : default, dg.View.BaseView,
            db.View.BaseView, 1e-12f, rows, cols, y.View.BaseView);
        Assert.InRange(Metrics.MaxAbsError(Simulator.Download(y, rows * cols), expected), 0, 1e-5);
    }

    [Theory]
    [InlineData(null, 36)]
    [InlineData(HalfFormat.Float16, 21)]
    [InlineData(HalfFormat.BFloat16, 16)]
    public void EmbeddingLayerNormMatchesReference(HalfFormat? format, int cols)
    {
        const int vocab = 23, maxPositions = 12, types = 2;
        int[] ids = [3, 0, 22, 7, 7, 15, 1], positions = [0, 1, 2, 3, 0, 1, 11], typeIds = [0, 0, 1, 1, 0, 1, 0];
        var words = Metrics.Random(vocab * cols, 11);
        var table = format is { } f
            ? new EmbeddingTable(words.Select(v => Encode(v, f)).ToArray(), f, vocab, cols)
            : new EmbeddingTable(words, vocab, cols);
        var position = Metrics.Random(maxPositions * cols, 12);
        var tokenType = Metrics.Random(types * cols, 13);
        var gamma = Metrics.Random(cols, 14);
        var beta = Metrics.Random(cols, 15);
        var expected = new float[ids.Length * cols];
        Reference.EmbeddingLayerNorm(ids, positions, typeIds, table, position, tokenType, gamma, beta, 1e-5f, cols, expected);

        using var batch = new DeviceBatch(Simulator.Accelerator, Simulator.Kernels.QueryTileRows);
        batch.Upload(ids, positions, typeIds, [0, 4, ids.Length]);
        using var word = new DeviceEmbeddingTable(Simulator.Accelerator, table);
        using var dp = Simulator.Upload(position);
        using var dt = Simulator.Upload(tokenType);
        using var dg = Simulator.Upload(gamma);
        using var db = Simulator.Upload(beta);
        using var y = Simulator.Accelerator.Allocate1D<float>(ids.Length * cols);
        Simulator.Kernels.EmbeddingLayerNorm(batch, word, dp.View.BaseView, dt.View.BaseView, dg.View.BaseView, db.View.BaseView,
            1e-5f, cols, y.View.BaseView);
        Assert.InRange(Metrics.MaxAbsError(Simulator.Download(y, ids.Length * cols), expected), 0, 1e-5);
    }

    [Theory]
    [InlineData(16, 2, new[] { 1, 5, 9 })]
    [InlineData(32, 1, new[] { 6, 3 })]
    [InlineData(8, 3, new[] { 11 })]
    [InlineData(64, 2, new[] { 7, 2 })]
    [InlineData(48, 1, new[] { 5 })]
    public void AttentionMatchesReference(int headDim, int heads, int[] lengths)
    {
        int hidden = heads * headDim, tokens = lengths.Sum();
        var offsets = new int[lengths.Length + 1];
        for (int s = 0; s < lengths.Length; s++) offsets[s + 1] = offsets[s] + lengths[s];
        var qkv = Metrics.Random(tokens * 3 * hidden, 16, 2f);
        var expected = new float[tokens * hidden];
        Reference.Attention(qkv, offsets, heads, headDim, expected);

        using var batch = new DeviceBatch(Simulator.Accelerator, Simulator.Kernels.QueryTileRows);
        batch.Upload(new int[tokens], new int[tokens], new int[tokens], offsets);
        using var dq = Simulator.Upload(qkv);
        using var context = Simulator.Accelerator.Allocate1D<float>(tokens * hidden);
        Simulator.Kernels.Attention(dq.View.BaseView, batch, heads, headDim, context.View.BaseView);
        Assert.InRange(Metrics.MaxAbsError(Simulator.Download(context, tokens * hidden), expected), 0, 1e-5);
    }

    [Fact]
    public void AttentionRejectsHeadSizesTheTilesDoNotHold()
    {
        using var batch = new DeviceBatch(Simulator.Accelerator, Simulator.Kernels.QueryTileRows);
        batch.Upload([0], [0], [0], [0, 1]);
        var e = Assert.Throws<NotSupportedException>(() => Simulator.Kernels.Attention(default, batch, 1, 6, default));
        Assert.Contains("head size 6", e.Message);
    }

    [Theory]
    [InlineData(TokenPooling.First, true, false)]
    [InlineData(TokenPooling.Mean, true, false)]
    [InlineData(TokenPooling.Mean, false, false)]
    [InlineData(TokenPooling.Mean, false, true)]
    [InlineData(TokenPooling.First, false, true)]
    public void PoolMatchesReference(TokenPooling pooling, bool normalize, bool skipPrompt)
    {
        const int cols = 19;
        int[] offsets = [0, 3, 4, 10];
        int[] skips = skipPrompt ? [2, 0, 5] : [0, 0, 0]; // a mean leaves out leading (prompt) rows; first-token pooling ignores them
        var hidden = Metrics.Random(offsets[^1] * cols, 17);
        var expected = new float[(offsets.Length - 1) * cols];
        for (int s = 0; s + 1 < offsets.Length; s++)
        {
            int skip = pooling == TokenPooling.Mean ? skips[s] : 0;
            Reference.Pool(hidden.AsSpan((offsets[s] + skip) * cols), offsets[s + 1] - offsets[s] - skip, cols, pooling, normalize,
                expected.AsSpan(s * cols, cols));
        }

        using var batch = new DeviceBatch(Simulator.Accelerator, Simulator.Kernels.QueryTileRows);
        int tokens = offsets[^1];
        batch.Upload(new int[tokens], new int[tokens], new int[tokens], offsets, skips);
        using var dh = Simulator.Upload(hidden);
        using var output = Simulator.Accelerator.Allocate1D<float>(expected.Length);
        Simulator.Kernels.Pool(dh.View.BaseView, batch, cols, pooling, normalize, output.View.BaseView);
        Assert.InRange(Metrics.MaxAbsError(Simulator.Download(output, expected.Length), expected), 0, 1e-6);
    }

    private static float[] RunLinear(float[] x, int rows, DeviceLinear weights, Activation activation)
    {
        using var dx = Simulator.Upload(x);
        using var y = Simulator.Accelerator.Allocate1D<float>(rows * weights.OutFeatures);
        Simulator.Kernels.Linear(dx.View.BaseView, rows, weights, y.View.BaseView, activation);
        return Simulator.Download(y, rows * weights.OutFeatures);
    }

    private static ushort Encode(float value, HalfFormat format) => format == HalfFormat.Float16
        ? BitConverter.HalfToUInt16Bits((System.Half)value)
        : (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
}
