using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Model;

/// <summary>Embedding tables and their LayerNorm.</summary>
internal sealed record EmbeddingWeights(
    EmbeddingTable Word, ReadOnlyMemory<float> Position, ReadOnlyMemory<float> TokenType,
    ReadOnlyMemory<float> NormGamma, ReadOnlyMemory<float> NormBeta);

/// <summary>One transformer layer, with Q, K and V fused into one linear layer.</summary>
internal sealed record LayerWeights(
    LinearWeights Qkv, LinearWeights AttentionOutput, ReadOnlyMemory<float> AttentionNormGamma, ReadOnlyMemory<float> AttentionNormBeta,
    LinearWeights Intermediate, LinearWeights Output, ReadOnlyMemory<float> OutputNormGamma, ReadOnlyMemory<float> OutputNormBeta);

/// <summary>
/// All encoder weights, resolved by name once at load with every shape checked, so the forward pass does no lookups.
/// Tensor names follow Hugging Face's BertModel / XLMRobertaModel under an optional prefix (none, "bert.", "roberta." …).
/// </summary>
internal sealed class EncoderWeights
{
    private const string WordEmbeddingName = "embeddings.word_embeddings.weight";

    private EncoderWeights(string prefix, EmbeddingWeights embeddings, LayerWeights[] layers)
    {
        Prefix = prefix;
        Embeddings = embeddings;
        Layers = layers;
    }

    /// <summary>The tensor-name prefix found in the checkpoint.</summary>
    public string Prefix { get; }
    public EmbeddingWeights Embeddings { get; }
    public LayerWeights[] Layers { get; }

    /// <summary>
    /// Reads and prepares every weight. With <see cref="WeightPrecision.Stored"/>, F16 / BF16 linear weights and the
    /// word embedding table stay 16-bit (the table zero-copy over the memory map); small tensors are always widened.
    /// With a <paramref name="compute"/> precision other than float32, linear layers are converted to it
    /// (<see cref="LinearPreparer"/>) and 16-bit tensors are read 16-bit; the word embedding table is then used as
    /// stored, zero-copy (a float32 one too: only the rows of tokens seen become resident).
    /// </summary>
    public static EncoderWeights Load(SafetensorsCheckpoint checkpoint, EncoderConfig config, IKernels kernels, WeightPrecision precision,
        ComputePrecision compute)
    {
        string prefix = FindPrefix(checkpoint);
        int h = config.Hidden;
        bool keepHalf = precision == WeightPrecision.Stored || compute != ComputePrecision.Float32;
        var linear = new LinearPreparer(kernels, compute);
        FloatTensor Read(string name, params int[] shape) => checkpoint.ReadFloat(prefix + name, shape);
        HalfTensor? ReadHalf(string name, params int[] shape) => keepHalf ? checkpoint.ReadHalf(prefix + name, shape) : null;
        void Release(string name) => checkpoint.ReleasePages(prefix + name);

        var embeddings = new EmbeddingWeights(
            ReadHalf(WordEmbeddingName, config.VocabSize, h) is { } halfWord
                ? new EmbeddingTable(halfWord.Data, halfWord.Format, config.VocabSize, h)
                : new EmbeddingTable(Read(WordEmbeddingName, config.VocabSize, h).Data, config.VocabSize, h),
            Read("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, h).Data,
            Read("embeddings.token_type_embeddings.weight", config.TypeVocabSize, h).Data,
            Read("embeddings.LayerNorm.weight", h).Data,
            Read("embeddings.LayerNorm.bias", h).Data);

        var layers = new LayerWeights[config.Layers];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"encoder.layer.{i}.";
            LinearWeights Linear(string name, int outFeatures, int inFeatures)
            {
                var bias = Read(p + name + ".bias", outFeatures).Data.Span;
                var prepared = ReadHalf(p + name + ".weight", outFeatures, inFeatures) is { } half
                    ? linear.Prepare(half.Data.Span, half.Format, bias, outFeatures, inFeatures)
                    : linear.Prepare(Read(p + name + ".weight", outFeatures, inFeatures).Data.Span, bias, outFeatures, inFeatures);
                Release(p + name + ".weight");
                return prepared;
            }

            layers[i] = new LayerWeights(
                FusedQkv(Read, ReadHalf, Release, p, h, linear),
                Linear("attention.output.dense", h, h),
                Read(p + "attention.output.LayerNorm.weight", h).Data,
                Read(p + "attention.output.LayerNorm.bias", h).Data,
                Linear("intermediate.dense", config.Intermediate, h),
                Linear("output.dense", h, config.Intermediate),
                Read(p + "output.LayerNorm.weight", h).Data,
                Read(p + "output.LayerNorm.bias", h).Data);
        }
        return new EncoderWeights(prefix, embeddings, layers);
    }

    /// <summary>
    /// Stacks the query, key and value projections into one [3h, h] layer: one GEMM instead of three. The stack
    /// stays 16-bit when all three are 16-bit in one format and the caller keeps 16-bit weights.
    /// </summary>
    private static LinearWeights FusedQkv(Func<string, int[], FloatTensor> read, Func<string, int[], HalfTensor?> readHalf,
        Action<string> release, string layerPrefix, int h, LinearPreparer linear)
    {
        string[] parts = ["query", "key", "value"];
        var names = Array.ConvertAll(parts, part => layerPrefix + "attention.self." + part);
        var bias = new float[3 * h];
        for (int i = 0; i < names.Length; i++) read(names[i] + ".bias", [h]).Data.Span.CopyTo(bias.AsSpan(i * h));

        LinearWeights prepared;
        var halves = Array.ConvertAll(names, name => readHalf(name + ".weight", [h, h]));
        if (halves.All(half => half is not null && half.Format == halves[0]!.Format))
        {
            var stacked = new ushort[3 * h * h];
            for (int i = 0; i < halves.Length; i++) halves[i]!.Data.Span.CopyTo(stacked.AsSpan(i * h * h));
            prepared = linear.Prepare(stacked, halves[0]!.Format, bias, 3 * h, h);
        }
        else
        {
            var weight = new float[3 * h * h];
            for (int i = 0; i < names.Length; i++) read(names[i] + ".weight", [h, h]).Data.Span.CopyTo(weight.AsSpan(i * h * h));
            prepared = linear.Prepare(weight, bias, 3 * h, h);
        }
        foreach (var name in names) release(name + ".weight");
        return prepared;
    }

    /// <summary>Finds the prefix under which the encoder's tensors are stored; exactly one must exist.</summary>
    internal static string FindPrefix(SafetensorsCheckpoint checkpoint)
    {
        var prefixes = checkpoint.Tensors.Keys
            .Where(name => name.EndsWith(WordEmbeddingName, StringComparison.Ordinal))
            .Select(name => name[..^WordEmbeddingName.Length])
            .ToList();
        return prefixes.Count switch
        {
            1 => prefixes[0],
            0 => throw new ModelFormatException(checkpoint.SourcePath, $"no tensor named '{WordEmbeddingName}' (with or without a prefix such as 'bert.' or 'roberta.'): not a BERT/XLM-R checkpoint"),
            _ => throw new ModelFormatException(checkpoint.SourcePath, $"several encoders in one checkpoint (prefixes {string.Join(", ", prefixes.Select(p => $"'{p}'"))})"),
        };
    }
}
