using EmbedRt.Batching;
using EmbedRt.Heads;
using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Loader.Config;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt;

/// <summary>
/// A sentence-embedding model loaded from a Hugging Face / sentence-transformers folder: tokenizer, encoder,
/// pooling and normalization, giving the vectors sentence-transformers gives.
/// </summary>
/// <example>
/// <code>
/// using var model = EmbeddingModel.Load("bge-small-zh-v1.5");
/// float[][] vectors = model.Embed(["你好", "hello"]);
/// </code>
/// </example>
public sealed class EmbeddingModel : IDisposable
{
    /// <summary>Upper bound on the tokens of one packed batch (a single longer input still runs alone).</summary>
    private const int TokenBudget = 16384;

    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly Encoder _encoder;
    private readonly EncoderWorkspace _workspace;
    private readonly PackedBatch _batch = new();
    private readonly Lock _forwardLock = new();
    private readonly int _batchSize;
    private bool _disposed;

    private EmbeddingModel(string directory, ITextTokenizer tokenizer, SafetensorsCheckpoint checkpoint, Encoder encoder,
        PoolingMode pooling, bool normalize, int maxLength, int batchSize, IKernels kernels)
    {
        Directory = directory;
        Tokenizer = tokenizer;
        _checkpoint = checkpoint;
        _encoder = encoder;
        _workspace = new EncoderWorkspace(encoder.Config);
        Pooling = pooling;
        Normalize = normalize;
        MaxLength = maxLength;
        _batchSize = batchSize;
        KernelName = kernels.Name;
    }

    /// <summary>The model folder.</summary>
    public string Directory { get; }

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer { get; }

    /// <summary>Vector size (the encoder's hidden size).</summary>
    public int Dimension => _encoder.Config.Hidden;

    /// <summary>The pooling in use (resolved from the folder when the options left it open).</summary>
    public PoolingMode Pooling { get; }

    /// <summary>Whether vectors are L2-normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Inputs are truncated to this many tokens, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Name of the kernel set running the forward pass.</summary>
    public string KernelName { get; }

    /// <summary>Loads a model folder (config.json, safetensors weights, tokenizer files, sentence-transformers files).</summary>
    /// <exception cref="ModelFormatException">A file is missing, malformed or inconsistent; the message names it.</exception>
    /// <exception cref="ArgumentException">An option is out of range for this model.</exception>
    public static EmbeddingModel Load(string directory, EmbeddingOptions? options = null)
    {
        options ??= new EmbeddingOptions();
        if (!System.IO.Directory.Exists(directory))
            throw new ModelFormatException(directory, "model folder not found");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), $"batch size must be at least 1, got {options.BatchSize}");
        if (options.Threads is < 1) throw new ArgumentOutOfRangeException(nameof(options), $"threads must be at least 1, got {options.Threads}");

        string configPath = Path.Combine(directory, "config.json");
        var config = EncoderConfig.From(ModelConfig.Load(configPath), configPath);
        var sentenceTransformers = SentenceTransformersConfig.Load(directory);
        var tokenizer = TextTokenizer.Load(directory);
        var pooling = ResolvePooling(options.Pooling, sentenceTransformers, directory);
        bool normalize = options.Normalize ?? sentenceTransformers?.Normalize ?? false;
        int maxLength = ResolveMaxLength(options.MaxLength, sentenceTransformers, TokenizerConfig.Load(directory), config);

        var kernels = KernelSelection.Create(options.Kernels, options.Threads);
        var checkpoint = SafetensorsCheckpoint.OpenDirectory(directory);
        try
        {
            var encoder = new Encoder(config, checkpoint, kernels, Path.Combine(directory, "model.safetensors"));
            return new EmbeddingModel(directory, tokenizer, checkpoint, encoder, pooling, normalize, maxLength, options.BatchSize, kernels);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>Embeds texts; results in input order. Safe to call from several threads.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var encodings = new TokenEncoding[texts.Count];
        for (int i = 0; i < encodings.Length; i++) encodings[i] = Tokenizer.Encode(texts[i], maxLength: MaxLength);
        return Embed(encodings);
    }

    /// <summary>Embeds already tokenized inputs (special tokens included); results in input order.</summary>
    /// <exception cref="ArgumentException">An input is empty, too long, or holds an id outside the model's tables.</exception>
    public float[][] Embed(IReadOnlyList<TokenEncoding> encodings)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var lengths = new int[encodings.Count];
        for (int i = 0; i < lengths.Length; i++) lengths[i] = Validate(encodings[i], i);

        var results = new float[encodings.Count][];
        var order = LengthBatcher.SortByLength(lengths);
        var batches = LengthBatcher.Split(order, lengths, _batchSize, Math.Max(TokenBudget, MaxLength));
        int h = Dimension;
        lock (_forwardLock)
        {
            foreach (var range in batches)
            {
                var members = order.AsSpan(range);
                _batch.Pack(encodings, members);
                _encoder.Forward(_batch, _workspace);
                var hidden = _workspace.Hidden.AsSpan(0, _batch.TokenCount * h);
                var offsets = _batch.Offsets;
                for (int s = 0; s < members.Length; s++)
                {
                    var vector = new float[h];
                    Heads.Pooling.Pool(hidden, h, offsets[s], offsets[s + 1], Pooling, vector);
                    if (Normalize) Heads.Pooling.Normalize(vector);
                    results[members[s]] = vector;
                }
            }
        }
        return results;
    }

    /// <summary>
    /// The encoder's last hidden state for one input, [tokens × <see cref="Dimension"/>] row-major
    /// (sentence-transformers' token_embeddings).
    /// </summary>
    public float[] LastHiddenState(TokenEncoding encoding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Validate(encoding, 0);
        lock (_forwardLock)
        {
            _batch.Pack([encoding], [0]);
            _encoder.Forward(_batch, _workspace);
            return _workspace.Hidden.AsSpan(0, _batch.TokenCount * Dimension).ToArray();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_forwardLock)
        {
            if (_disposed) return;
            _disposed = true;
            _checkpoint.Dispose();
        }
    }

    private int Validate(TokenEncoding encoding, int index)
    {
        var config = _encoder.Config;
        if (encoding.Ids.Length == 0) throw new ArgumentException($"input {index} has no tokens");
        if (encoding.TypeIds.Length != encoding.Ids.Length)
            throw new ArgumentException($"input {index} has {encoding.Ids.Length} ids but {encoding.TypeIds.Length} type ids");
        if (encoding.Ids.Length > config.MaxTokens)
            throw new ArgumentException($"input {index} has {encoding.Ids.Length} tokens; the model takes at most {config.MaxTokens}");
        foreach (int id in encoding.Ids)
            if ((uint)id >= (uint)config.VocabSize) throw new ArgumentException($"input {index} has token id {id}, outside the vocabulary of {config.VocabSize}");
        foreach (int type in encoding.TypeIds)
            if ((uint)type >= (uint)config.TypeVocabSize) throw new ArgumentException($"input {index} has token type {type}; the model has {config.TypeVocabSize}");
        return encoding.Ids.Length;
    }

    private static PoolingMode ResolvePooling(PoolingMode requested, SentenceTransformersConfig? sentenceTransformers, string directory)
    {
        if (requested != PoolingMode.FromModel) return requested;
        var pooling = sentenceTransformers?.Pooling;
        // A plain transformers folder: sentence-transformers itself falls back to mean pooling.
        if (pooling is null) return PoolingMode.Mean;
        if (pooling.PoolingModeClsToken && !pooling.PoolingModeMeanTokens) return PoolingMode.Cls;
        if (pooling.PoolingModeMeanTokens && !pooling.PoolingModeClsToken) return PoolingMode.Mean;
        throw new ModelFormatException(Path.Combine(directory, "1_Pooling", "config.json"),
            "only a single CLS or mean pooling mode is supported; pass a pooling mode explicitly to override");
    }

    private static int ResolveMaxLength(int? requested, SentenceTransformersConfig? sentenceTransformers, TokenizerConfig tokenizer, EncoderConfig config)
    {
        if (requested is { } value)
        {
            if (value < 2 || value > config.MaxTokens)
                throw new ArgumentOutOfRangeException(nameof(requested), $"max length {value} is outside 2..{config.MaxTokens} for this model");
            return value;
        }
        long limit = sentenceTransformers?.MaxSeqLength ?? tokenizer.ModelMaxLength ?? config.MaxTokens;
        return (int)Math.Clamp(limit, 2, config.MaxTokens);
    }
}
