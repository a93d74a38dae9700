namespace EmbedRt.Kernels.Reference;

/// <summary>
/// The oracle: straightforward loops with double-precision accumulation. Slow on purpose; every fast kernel
/// is tested against it. Attention materializes one row of scores at a time, never seq × seq.
/// </summary>
public sealed class ReferenceKernels : IKernels
{
    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public LinearWeights PrepareLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        return new RowMajorLinear(weight.ToArray(), bias.ToArray(), outFeatures, inFeatures);
    }

    /// <inheritdoc />
    public LinearWeights PrepareLinear(ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        var widened = new float[weight.Length];
        HalfConversion.Widen(weight, format, widened);
        return PrepareLinear(widened, bias, outFeatures, inFeatures);
    }

    /// <inheritdoc />
    public LinearWeights PrepareLinearInt8(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        var quantized = new sbyte[weight.Length];
        var scales = Int8Quantization.QuantizeRows(weight, outFeatures, inFeatures, quantized);
        return new Int8RowMajorLinear(quantized, scales, bias.ToArray(), outFeatures, inFeatures);
    }

    /// <inheritdoc />
    public void Linear(ReadOnlySpan<float> x, int rows, LinearWeights weights, Span<float> y, Activation activation)
    {
        if (weights is Int8RowMajorLinear int8)
        {
            LinearInt8(x, rows, int8, y, activation);
            return;
        }
        var w = (RowMajorLinear)weights;
        int n = w.OutFeatures, k = w.InFeatures;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * k, k);
            for (int o = 0; o < n; o++)
            {
                var wr = w.Weight.AsSpan(o * k, k);
                double acc = w.Bias.Length == 0 ? 0 : w.Bias[o];
                for (int i = 0; i < k; i++) acc += (double)xr[i] * wr[i];
                y[r * n + o] = (float)ScalarMath.Activate(acc, activation);
            }
        }
    }

    /// <summary>
    /// The int8 oracle: each row of x quantized to uint8 with a zero point, exact integer dot products, then
    /// y = act(dot · rowScale · weightScale + b) in double.
    /// </summary>
    private static void LinearInt8(ReadOnlySpan<float> x, int rows, Int8RowMajorLinear w, Span<float> y, Activation activation)
    {
        int n = w.OutFeatures, k = w.InFeatures;
        var row = new byte[k];
        for (int r = 0; r < rows; r++)
        {
            var (rowScale, zeroPoint) = Int8Quantization.QuantizeActivationRow(x.Slice(r * k, k), row);
            for (int o = 0; o < n; o++)
            {
                var wr = w.Weight.AsSpan(o * k, k);
                long dot = 0;
                for (int i = 0; i < k; i++) dot += (row[i] - zeroPoint) * wr[i];
                double acc = dot * (double)rowScale * w.Scales[o] + (w.Bias.Length == 0 ? 0 : w.Bias[o]);
                y[r * n + o] = (float)ScalarMath.Activate(acc, activation);
            }
        }
    }

    /// <inheritdoc />
    public void AddLayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, int rows, int cols, Span<float> y)
    {
        var sum = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) sum[c] = x[r * cols + c] + (residual.IsEmpty ? 0.0 : residual[r * cols + c]);
            NormalizeRow(sum, gamma, beta, eps, y.Slice(r * cols, cols));
        }
    }

    private static void NormalizeRow(double[] sum, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, Span<float> y)
    {
        int cols = y.Length;
        double mean = 0;
        foreach (double v in sum) mean += v;
        mean /= cols;
        double variance = 0;
        foreach (double v in sum) variance += (v - mean) * (v - mean);
        variance /= cols;
        double inv = 1.0 / Math.Sqrt(variance + eps);
        for (int c = 0; c < cols; c++) y[c] = (float)((sum[c] - mean) * inv * gamma[c] + beta[c]);
    }

    /// <inheritdoc />
    public void EmbeddingLayerNorm(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds,
        EmbeddingTable word, ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, int cols, Span<float> y)
    {
        KernelChecks.Embedding(ids, positions, typeIds, word, position.Length, tokenType.Length, gamma.Length,
            beta.Length, cols, y.Length);
        var sum = new double[cols];
        var w = new float[cols];
        for (int t = 0; t < ids.Length; t++)
        {
            word.CopyRow(ids[t], w);
            var p = position.Slice(positions[t] * cols, cols);
            var k = tokenType.Slice(typeIds[t] * cols, cols);
            for (int c = 0; c < cols; c++) sum[c] = (double)w[c] + p[c] + k[c];
            NormalizeRow(sum, gamma, beta, eps, y.Slice(t * cols, cols));
        }
    }

    /// <inheritdoc />
    public void Pool(ReadOnlySpan<float> hidden, int rows, int cols, TokenPooling pooling, bool normalize, Span<float> output)
    {
        KernelChecks.Pool(hidden.Length, rows, cols, pooling, output.Length);
        var sum = new double[cols];
        int used = pooling == TokenPooling.First ? 1 : rows;
        for (int r = 0; r < used; r++)
            for (int c = 0; c < cols; c++) sum[c] += hidden[r * cols + c];
        double scale = 1.0 / used;
        if (normalize)
        {
            double squares = 0;
            foreach (double v in sum) squares += v * v;
            // torch.nn.functional.normalize: v / max(‖v‖, 1e-12), on the mean (the sum scaled by 1/used).
            scale = 1.0 / Math.Max(Math.Sqrt(squares), used * 1e-12);
        }
        for (int c = 0; c < cols; c++) output[c] = (float)(sum[c] * scale);
    }

    /// <inheritdoc />
    public void Attention(ReadOnlySpan<float> qkv, ReadOnlySpan<int> sequenceOffsets, int heads, int headDim, Span<float> context)
    {
        int hidden = heads * headDim, stride = 3 * hidden;
        double scale = 1.0 / Math.Sqrt(headDim);
        for (int s = 0; s + 1 < sequenceOffsets.Length; s++)
        {
            int start = sequenceOffsets[s], length = sequenceOffsets[s + 1] - start;
            var scores = new double[length];
            var acc = new double[headDim];
            for (int h = 0; h < heads; h++)
            {
                for (int i = 0; i < length; i++)
                {
                    var q = qkv.Slice((start + i) * stride + h * headDim, headDim);
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < length; j++)
                    {
                        var key = qkv.Slice((start + j) * stride + hidden + h * headDim, headDim);
                        double dot = 0;
                        for (int d = 0; d < headDim; d++) dot += (double)q[d] * key[d];
                        scores[j] = dot * scale;
                        max = Math.Max(max, scores[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < length; j++) total += scores[j] = Math.Exp(scores[j] - max);
                    Array.Clear(acc);
                    for (int j = 0; j < length; j++)
                    {
                        var value = qkv.Slice((start + j) * stride + 2 * hidden + h * headDim, headDim);
                        double p = scores[j] / total;
                        for (int d = 0; d < headDim; d++) acc[d] += p * value[d];
                    }
                    var outRow = context.Slice((start + i) * hidden + h * headDim, headDim);
                    for (int d = 0; d < headDim; d++) outRow[d] = (float)acc[d];
                }
            }
        }
    }

    /// <inheritdoc />
    public void Activate(Span<float> x, Activation activation)
    {
        for (int i = 0; i < x.Length; i++) x[i] = (float)ScalarMath.Activate(x[i], activation);
    }

    private sealed class Int8RowMajorLinear(sbyte[] weight, float[] scales, float[] bias, int outFeatures, int inFeatures)
        : LinearWeights(outFeatures, inFeatures)
    {
        public sbyte[] Weight { get; } = weight;
        public float[] Scales { get; } = scales;
        public float[] Bias { get; } = bias;
    }

    private sealed class RowMajorLinear(float[] weight, float[] bias, int outFeatures, int inFeatures)
        : LinearWeights(outFeatures, inFeatures)
    {
        public float[] Weight { get; } = weight;
        public float[] Bias { get; } = bias;
    }
}
