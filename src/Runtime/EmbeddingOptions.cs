using EmbedRt.Devices;

namespace EmbedRt;

/// <summary>How sentence vectors are pooled from the last hidden state.</summary>
public enum PoolingMode
{
    /// <summary>Use the model folder's 1_Pooling config (CLS when there is none).</summary>
    FromModel,
    /// <summary>The first token's hidden state.</summary>
    Cls,
    /// <summary>Mean over the tokens of the input (all tokens, special ones included, as sentence-transformers does).</summary>
    Mean,
}

/// <summary>Which kernel set runs the forward pass.</summary>
public enum KernelChoice
{
    /// <summary>The fastest available kernel set.</summary>
    Auto,
    /// <summary>The plain reference kernels (the oracle; slow).</summary>
    Reference,
}

/// <summary>What happens to an input longer than the model's token limit.</summary>
public enum LongInputPolicy
{
    /// <summary>Cut it to the limit (sentence-transformers' behaviour; pairs are cut longest first).</summary>
    Truncate,
    /// <summary>Refuse it with an <see cref="ArgumentException"/> naming the input (TEI with truncate=false).</summary>
    Error,
    /// <summary>Split a single text into windows of the limit, embed each, and average the window vectors.</summary>
    ChunkMean,
}

/// <summary>How weights stored as F16 / BF16 are held in memory.</summary>
public enum WeightPrecision
{
    /// <summary>Widened to float32 at load (the fastest for large batches).</summary>
    Float32,
    /// <summary>
    /// Kept in their 16-bit encoding, half the memory of float32, and widened inside the kernels (linear layers
    /// one block at a time, the word embedding table row by row, read straight from the memory-mapped file).
    /// Float32 checkpoints are unaffected.
    /// </summary>
    Stored,
}

/// <summary>The number format the encoder's linear layers compute in (attention, LayerNorm and softmax stay float32).</summary>
public enum ComputePrecision
{
    /// <summary>float32 weights and arithmetic (16-bit checkpoints follow <see cref="EmbeddingOptions.Weights"/>).</summary>
    Float32,
    /// <summary>
    /// bfloat16 weights in the linear layers (rounded to nearest at load, half the memory; F16 checkpoints keep F16),
    /// widened to float32 inside the GEMM with float32 accumulation.
    /// </summary>
    BFloat16,
    /// <summary>
    /// int8 weights in the linear layers, quantized per output channel (a quarter of the memory), activations
    /// quantized per token row at every layer, int32 accumulation, float32 scaling, bias and activation.
    /// </summary>
    Int8,
}

/// <summary>Options of <see cref="EmbeddingModel.Load"/>.</summary>
public sealed record EmbeddingOptions
{
    /// <summary>Pooling; by default what the model folder says.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.FromModel;

    /// <summary>L2-normalize vectors; null means what the model folder says (a Normalize module), true when unsure.</summary>
    public bool? Normalize { get; init; }

    /// <summary>Maximum tokens per input, special tokens included; null means sentence-transformers' max_seq_length,
    /// else the tokenizer's model_max_length, capped by the model's position table. Longer inputs are truncated.</summary>
    public int? MaxLength { get; init; }

    /// <summary>What to do with inputs longer than <see cref="MaxLength"/>.</summary>
    public LongInputPolicy LongInputs { get; init; } = LongInputPolicy.Truncate;

    /// <summary>Which end of a truncated input loses its tokens (pairs: each text of the pair, longest first).</summary>
    public TruncationDirection TruncationDirection { get; init; } = TruncationDirection.Right;

    /// <summary>How many inputs go through the encoder together.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Worker threads for the kernels; null means all cores.</summary>
    public int? Threads { get; init; }

    /// <summary>Kernel set.</summary>
    public KernelChoice Kernels { get; init; } = KernelChoice.Auto;

    /// <summary>How F16 / BF16 weights are held in memory.</summary>
    public WeightPrecision Weights { get; init; } = WeightPrecision.Float32;

    /// <summary>
    /// A device that runs the encoder instead of the CPU kernels (e.g. EmbedRt.Cuda's <c>GpuDevice.Cuda()</c>),
    /// pooling and task heads included; null runs it on the CPU with <see cref="Kernels"/>.
    /// </summary>
    public IEncoderDevice? Device { get; init; }

    /// <summary>
    /// When <see cref="Device"/> cannot run this model (a shape its kernels lack, or a quantized
    /// <see cref="Precision"/>), run it on the CPU kernels instead of refusing the load (what the CLI's
    /// <c>--device auto</c> does); the model's kernel name then says the CPU.
    /// </summary>
    public bool DeviceFallback { get; init; }

    /// <summary>The number format of the encoder's linear layers.</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Float32;
}
