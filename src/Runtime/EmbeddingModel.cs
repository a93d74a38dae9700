using EmbedRt.Heads;
using EmbedRt.Loader;
using EmbedRt.Loader.Config;
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
    private readonly LoadedEncoder _loaded;
    private readonly EncoderRunner _runner;
    private bool _disposed;

    private EmbeddingModel(LoadedEncoder loaded, EmbeddingOptions options)
    {
        _loaded = loaded;
        _runner = new EncoderRunner(loaded.Encoder, options.BatchSize);
        Pooling = ResolvePooling(options.Pooling, loaded.SentenceTransformers, loaded.Directory);
        Normalize = options.Normalize ?? loaded.SentenceTransformers?.Normalize ?? false;
        MaxLength = loaded.ResolveMaxLength(options.MaxLength);
    }

    /// <summary>The model folder.</summary>
    public string Directory => _loaded.Directory;

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer => _loaded.Tokenizer;

    /// <summary>Vector size (the encoder's hidden size).</summary>
    public int Dimension => _loaded.Config.Hidden;

    /// <summary>The pooling in use (resolved from the folder when the options left it open).</summary>
    public PoolingMode Pooling { get; }

    /// <summary>Whether vectors are L2-normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Inputs are truncated to this many tokens, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Name of the kernel set running the forward pass.</summary>
    public string KernelName => _loaded.Kernels.Name;

    /// <summary>Loads a model folder (config.json, safetensors weights, tokenizer files, sentence-transformers files).</summary>
    /// <exception cref="ModelFormatException">A file is missing, malformed or inconsistent; the message names it.</exception>
    /// <exception cref="ArgumentException">An option is out of range for this model.</exception>
    public static EmbeddingModel Load(string directory, EmbeddingOptions? options = null)
    {
        options ??= new EmbeddingOptions();
        var loaded = LoadedEncoder.Load(directory, options.Kernels, options.Threads);
        try
        {
            return new EmbeddingModel(loaded, options);
        }
        catch
        {
            loaded.Dispose();
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
        var results = new float[encodings.Count][];
        int h = Dimension;
        _runner.Run(encodings, (index, ids, hidden) =>
        {
            var vector = new float[h];
            Heads.Pooling.Pool(hidden, h, 0, ids.Length, Pooling, vector);
            if (Normalize) Heads.Pooling.Normalize(vector);
            results[index] = vector;
        });
        return results;
    }

    /// <summary>
    /// The encoder's last hidden state for one input, [tokens × <see cref="Dimension"/>] row-major
    /// (sentence-transformers' token_embeddings).
    /// </summary>
    public float[] LastHiddenState(TokenEncoding encoding)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        float[] result = [];
        _runner.Run([encoding], (_, _, hidden) => result = hidden.ToArray());
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _loaded.Dispose();
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
}
