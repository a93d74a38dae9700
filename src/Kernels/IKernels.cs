namespace EmbedRt.Kernels;

/// <summary>
/// The numeric operations an encoder forward pass needs, over row-major float spans.
/// Implementations: <see cref="Reference.ReferenceKernels"/> (plain loops, the oracle) and fast ones built on it.
/// Kernels know nothing of models: they see spans, shapes and cumulative sequence offsets.
/// </summary>
public interface IKernels
{
    /// <summary>A short name for logs and benchmark tables, e.g. "reference" or "cpu-avx512".</summary>
    string Name { get; }

    /// <summary>
    /// Prepares a linear layer once at load: <paramref name="weight"/> is [outFeatures, inFeatures] row-major
    /// as in PyTorch's nn.Linear, <paramref name="bias"/> has outFeatures entries (empty for none).
    /// The kernel set may copy and re-pack the data into its own layout.
    /// </summary>
    LinearWeights PrepareLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures);

    /// <summary>
    /// <see cref="PrepareLinear(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/> for weights in a 16-bit
    /// encoding: the kernel set may keep them 16-bit (half the memory) and widen them inside the kernel.
    /// </summary>
    LinearWeights PrepareLinear(ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures);

    /// <summary>
    /// <see cref="PrepareLinear(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/> for int8 compute: the weights
    /// are quantized per output channel (<see cref="Int8Quantization"/>), and <see cref="Linear"/> then quantizes
    /// each row of x (uint8 with a zero point), sums the products in int32 and applies scales, bias and activation in float32.
    /// Kernel sets without int8 kernels throw <see cref="NotSupportedException"/>.
    /// </summary>
    LinearWeights PrepareLinearInt8(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
        => throw new NotSupportedException($"the {Name} kernel set has no int8 linear layers");

    /// <summary>y[rows, out] = act(x[rows, in] · Wᵀ + b).</summary>
    void Linear(ReadOnlySpan<float> x, int rows, LinearWeights weights, Span<float> y, Activation activation);

    /// <summary>
    /// Row-wise y = LayerNorm(x + residual) · gamma + beta over <paramref name="cols"/> columns.
    /// <paramref name="residual"/> may be empty (plain LayerNorm). <paramref name="y"/> may alias x or residual.
    /// </summary>
    void AddLayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, float eps, int rows, int cols, Span<float> y);

    /// <summary>
    /// The embedding layer, gather and normalization in one pass per token:
    /// y[t] = LayerNorm(word[ids[t]] + position[positions[t]] + tokenType[typeIds[t]])·gamma + beta, each table
    /// row-major with <paramref name="cols"/> columns (the word table, the large one, possibly 16-bit), one
    /// output row per token. An index outside its table throws <see cref="ArgumentOutOfRangeException"/> naming the token.
    /// </summary>
    void EmbeddingLayerNorm(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds,
        EmbeddingTable word, ReadOnlySpan<float> position, ReadOnlySpan<float> tokenType,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float eps, int cols, Span<float> y);

    /// <summary>
    /// One sentence vector from <paramref name="rows"/> rows of <paramref name="hidden"/> ([rows, cols]): the
    /// first row (<see cref="TokenPooling.First"/>) or the mean of all rows (<see cref="TokenPooling.Mean"/>),
    /// then, if <paramref name="normalize"/>, scaled to unit L2 norm (a zero vector stays zero), into
    /// <paramref name="output"/> (cols values). <paramref name="output"/> may be <paramref name="hidden"/>'s first
    /// row itself: with one row and <paramref name="normalize"/>, that normalizes a vector in place.
    /// </summary>
    void Pool(ReadOnlySpan<float> hidden, int rows, int cols, TokenPooling pooling, bool normalize, Span<float> output);

    /// <summary>
    /// Multi-head self-attention over a packed batch of variable-length sequences (no padding).
    /// <paramref name="qkv"/> is [tokens, 3·heads·headDim], each row holding Q | K | V, each of those split
    /// into heads of <paramref name="headDim"/> columns. Sequence s owns rows
    /// [<paramref name="sequenceOffsets"/>[s], <paramref name="sequenceOffsets"/>[s + 1]) and attends only to itself.
    /// Writes context = softmax(Q·Kᵀ / √headDim)·V as [tokens, heads·headDim] into <paramref name="context"/>.
    /// </summary>
    void Attention(ReadOnlySpan<float> qkv, ReadOnlySpan<int> sequenceOffsets, int heads, int headDim, Span<float> context);

    /// <summary>Applies an activation in place.</summary>
    void Activate(Span<float> x, Activation activation);
}

/// <summary>Element-wise activations that a linear layer can fuse into its epilogue.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None,
    /// <summary>Exact GELU, x·Φ(x) with erf (Hugging Face "gelu").</summary>
    GeluErf,
    /// <summary>Tanh approximation of GELU (Hugging Face "gelu_new", "gelu_pytorch_tanh").</summary>
    GeluTanh,
    /// <summary>max(x, 0).</summary>
    Relu,
    /// <summary>tanh(x) (classification heads).</summary>
    Tanh,
}

/// <summary>How <see cref="IKernels.Pool"/> reduces a sequence's rows to one vector.</summary>
public enum TokenPooling
{
    /// <summary>The first row (the CLS token).</summary>
    First,
    /// <summary>The mean of the rows.</summary>
    Mean,
}

/// <summary>A linear layer's weights in whatever layout the kernel set that prepared them wants.</summary>
public abstract class LinearWeights
{
    /// <summary>Creates the shape record.</summary>
    protected LinearWeights(int outFeatures, int inFeatures)
    {
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
    }

    /// <summary>Output features (rows of the PyTorch weight).</summary>
    public int OutFeatures { get; }

    /// <summary>Input features (columns of the PyTorch weight).</summary>
    public int InFeatures { get; }
}
