using EmbedRt.Devices;
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
    private readonly IDeviceHead[]? _deviceHeads;
    private readonly int _tokenizeAhead;

    private BgeM3Model(LoadedEncoder loaded, EmbeddingOptions options, DenseHead colbert, DenseHead sparse)
    {
        _loaded = loaded;
        _runner = new EncoderRunner(loaded.Encoder, options.BatchSize, loaded.Directory);
        _colbert = colbert;
        _sparse = sparse;
        _tokenizeAhead = TokenizeAhead.BatchesPerChunk * options.BatchSize;
        MaxLength = loaded.ResolveMaxLength(options.MaxLength);
        if (options.LongInputs == LongInputPolicy.ChunkMean)
            throw new ArgumentException("BGE-M3's sparse and ColBERT outputs have no chunk averaging: use Truncate or Error for long inputs");
        _preparer = new InputPreparer(loaded.Tokenizer, MaxLength, options.LongInputs, options.TruncationDirection,
            loaded.SentenceTransformers?.DoLowerCase ?? false);
        // On a device the three heads run there: dense (CLS + L2), relu(sparse) per token, ColBERT after CLS.
        if (_runner.OnDevice)
            _deviceHeads =
            [
                _runner.LoadHead(new DeviceHeadSpec(HeadInput.FirstToken, [], Normalize: true)),
                _runner.LoadHead(new DeviceHeadSpec(HeadInput.AllTokens, [sparse.DeviceLayer(Activation.Relu)])),
                _runner.LoadHead(new DeviceHeadSpec(HeadInput.TokensAfterFirst, [colbert.DeviceLayer()])),
            ];
    }

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer => _loaded.Tokenizer;

    /// <summary>Name of the kernel set (or device) running the forward pass.</summary>
    public string KernelName => _loaded.KernelName;

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
        TokenEncoding[] Tokenize(int start, int length) => _preparer.Prepare(
            texts.Skip(start).Take(length).Select(text => (text, (string?)null)).ToArray(), prompt: "", excludePrompt: false, firstIndex: start)
            .Whole.Select(p => p.Encoding).ToArray(); // never chunked: the constructor refuses chunk-mean
        if (!_runner.Overlaps || texts.Count <= _tokenizeAhead) return Encode(Tokenize(0, texts.Count));
        // Chunks tokenized ahead flow through one device pipeline (TokenizeAhead).
        var results = new M3Embedding[texts.Count];
        _runner.RunHeads(TokenizeAhead.Chunks(texts.Count, _tokenizeAhead, Tokenize).Select(chunk => new DeviceWork(chunk.Prepared, _deviceHeads!,
            (index, ids, outputs) => results[chunk.Start + index] = Assemble(ids, outputs[0].ToArray(), outputs[1], outputs[2]))));
        return results;
    }

    /// <summary>Encodes tokenized inputs (special tokens included) into all three representations.</summary>
    public M3Embedding[] Encode(IReadOnlyList<TokenEncoding> encodings) => Encode(encodings, onEncoded: null);

    /// <summary>
    /// <see cref="Encode(IReadOnlyList{TokenEncoding})"/> that also hands each input's result to
    /// <paramref name="onEncoded"/> (input index, result) as soon as its forward pass is done, on the calling thread.
    /// The callback runs inside the forward loop: it must not call this model (that throws InvalidOperationException).
    /// </summary>
    public M3Embedding[] Encode(IReadOnlyList<TokenEncoding> encodings, Action<int, M3Embedding>? onEncoded)
    {
        using var lease = _loaded.Acquire(nameof(BgeM3Model));
        int h = _loaded.Config.Hidden;
        var results = new M3Embedding[encodings.Count];
        if (_deviceHeads is not null)
        {
            // dense, sparse weight per token, ColBERT projection of the rows after CLS: nothing else crosses the bus.
            _runner.RunHeads(encodings, _deviceHeads, (index, ids, outputs) =>
            {
                results[index] = Assemble(ids, outputs[0].ToArray(), outputs[1], outputs[2]);
                onEncoded?.Invoke(index, results[index]);
            });
            return results;
        }
        var kernels = _loaded.Kernels;
        _runner.Run(encodings, (index, ids, hidden) =>
        {
            var dense = new float[h];
            kernels.Pool(hidden, ids.Length, h, TokenPooling.First, normalize: true, dense);
            var weights = new float[ids.Length];
            for (int t = 0; t < ids.Length; t++) _sparse.Apply(hidden.Slice(t * h, h), weights.AsSpan(t, 1), Activation.Relu);
            int dim = _colbert.OutFeatures;
            var projected = new float[(ids.Length - 1) * dim];
            for (int t = 1; t < ids.Length; t++) _colbert.Apply(hidden.Slice(t * h, h), projected.AsSpan((t - 1) * dim, dim));
            results[index] = Assemble(ids, dense, weights, projected);
            onEncoded?.Invoke(index, results[index]);
        });
        return results;
    }

    /// <summary>
    /// One input's result from its dense vector, relu(sparse) weight per token and ColBERT projections of the tokens after
    /// CLS: the lexical weights keep each non-special token id's largest weight; ColBERT vectors are L2-normalized.
    /// </summary>
    private M3Embedding Assemble(ReadOnlySpan<int> ids, float[] dense, ReadOnlySpan<float> tokenWeights, ReadOnlySpan<float> projected)
    {
        var special = Tokenizer.SpecialIds;
        var sparse = new Dictionary<int, float>();
        for (int t = 0; t < ids.Length; t++)
        {
            float weight = tokenWeights[t];
            if (weight <= 0 || special.Contains(ids[t])) continue;
            if (!sparse.TryGetValue(ids[t], out float best) || weight > best) sparse[ids[t]] = weight;
        }
        int dim = _colbert.OutFeatures;
        var colbert = new float[ids.Length - 1][];
        for (int t = 0; t < colbert.Length; t++)
        {
            var vector = projected.Slice(t * dim, dim).ToArray();
            _loaded.Kernels.Pool(vector, 1, dim, TokenPooling.First, normalize: true, vector);
            colbert[t] = vector;
        }
        return new M3Embedding(dense, sparse, colbert);
    }

    /// <summary>Releases the weights once no call is running; calls already inside finish, later ones throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _loaded.Dispose();
}
