using EmbedRt.Heads;
using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt.M3;

/// <summary>
/// BGE-M3: dense, sparse (lexical weights) and ColBERT multi-vector outputs from one forward pass, as
/// FlagEmbedding's BGEM3FlagModel computes them. The heads are read from colbert_linear / sparse_linear
/// (.safetensors or PyTorch .pt) next to the model.
/// </summary>
public sealed class BgeM3Model : IDisposable
{
    private readonly LoadedEncoder _loaded;
    private readonly EncoderRunner _runner;
    private readonly InputPreparer _preparer;
    private readonly DenseHead _colbert;
    private readonly DenseHead _sparse;

    private BgeM3Model(LoadedEncoder loaded, EmbeddingOptions options, DenseHead colbert, DenseHead sparse)
    {
        _loaded = loaded;
        _runner = new EncoderRunner(loaded.Encoder, options.BatchSize, loaded.Directory);
        _colbert = colbert;
        _sparse = sparse;
        MaxLength = loaded.ResolveMaxLength(options.MaxLength);
        if (options.LongInputs == LongInputPolicy.ChunkMean)
            throw new ArgumentException("BGE-M3's sparse and ColBERT outputs have no chunk averaging: use Truncate or Error for long inputs");
        _preparer = new InputPreparer(loaded.Tokenizer, MaxLength, options.LongInputs, options.TruncationDirection,
            loaded.SentenceTransformers?.DoLowerCase ?? false);
    }

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer => _loaded.Tokenizer;

    /// <summary>Inputs are truncated to this many tokens, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Loads a BGE-M3 folder; its pooling and normalization options are ignored (dense is always normalized CLS).</summary>
    /// <exception cref="ModelFormatException">A file is missing (including either head), malformed or inconsistent.</exception>
    public static BgeM3Model Load(string directory, EmbeddingOptions? options = null)
    {
        options ??= new EmbeddingOptions();
        var loaded = LoadedEncoder.Load(directory, options);
        try
        {
            int h = loaded.Config.Hidden;
            var colbert = HeadFiles.TryLoad(directory, "colbert_linear", h)
                ?? throw new ModelFormatException(Path.Combine(directory, "colbert_linear.pt"), "BGE-M3 ColBERT head not found (colbert_linear.pt or .safetensors)");
            var sparse = HeadFiles.TryLoad(directory, "sparse_linear", h)
                ?? throw new ModelFormatException(Path.Combine(directory, "sparse_linear.pt"), "BGE-M3 sparse head not found (sparse_linear.pt or .safetensors)");
            if (sparse.OutFeatures != 1)
                throw new ModelFormatException(Path.Combine(directory, "sparse_linear.pt"), $"sparse head has {sparse.OutFeatures} outputs, expected 1");
            return new BgeM3Model(loaded, options, colbert, sparse);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Encodes texts into all three representations; results in input order.</summary>
    public M3Embedding[] Encode(IReadOnlyList<string> texts)
    {
        using var lease = _loaded.Acquire(nameof(BgeM3Model));
        var prepared = _preparer.Prepare(texts.Select(text => (text, (string?)null)).ToArray(), prompt: "", excludePrompt: false);
        return Encode(prepared.Select(p => p.Encoding).ToArray());
    }

    /// <summary>Encodes tokenized inputs (special tokens included) into all three representations.</summary>
    public M3Embedding[] Encode(IReadOnlyList<TokenEncoding> encodings) => Encode(encodings, onEncoded: null);

    /// <summary>
    /// <see cref="Encode(IReadOnlyList{TokenEncoding})"/> that also hands each input's result to
    /// <paramref name="onEncoded"/> (input index, result) as soon as its forward pass is done, on the calling thread.
    /// </summary>
    public M3Embedding[] Encode(IReadOnlyList<TokenEncoding> encodings, Action<int, M3Embedding>? onEncoded)
    {
        using var lease = _loaded.Acquire(nameof(BgeM3Model));
        int h = _loaded.Config.Hidden;
        var kernels = _loaded.Kernels;
        var special = Tokenizer.SpecialIds;
        var results = new M3Embedding[encodings.Count];
        _runner.Run(encodings, (index, ids, hidden) =>
        {
            var dense = new float[h];
            kernels.Pool(hidden, ids.Length, h, TokenPooling.First, normalize: true, dense);

            var sparse = new Dictionary<int, float>();
            Span<float> weight = stackalloc float[1];
            for (int t = 0; t < ids.Length; t++)
            {
                _sparse.Apply(hidden.Slice(t * h, h), weight, Activation.Relu);
                if (weight[0] <= 0 || special.Contains(ids[t])) continue;
                if (!sparse.TryGetValue(ids[t], out float best) || weight[0] > best) sparse[ids[t]] = weight[0];
            }

            var colbert = new float[ids.Length - 1][];
            for (int t = 1; t < ids.Length; t++)
            {
                var vector = new float[_colbert.OutFeatures];
                _colbert.Apply(hidden.Slice(t * h, h), vector);
                kernels.Pool(vector, 1, vector.Length, TokenPooling.First, normalize: true, vector);
                colbert[t - 1] = vector;
            }
            results[index] = new M3Embedding(dense, sparse, colbert);
            onEncoded?.Invoke(index, results[index]);
        });
        return results;
    }

    /// <summary>Releases the weights once no call is running; calls already inside finish, later ones throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _loaded.Dispose();
}
