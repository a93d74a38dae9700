using EmbedRt.Kernels;
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
public sealed partial class EmbeddingModel : IDisposable
{
    private readonly LoadedEncoder _loaded;
    private readonly EncoderRunner _runner;
    private readonly InputPreparer _preparer;
    private readonly int _tokenizeAhead;

    private EmbeddingModel(LoadedEncoder loaded, EmbeddingOptions options)
    {
        _loaded = loaded;
        RejectUnsupportedModules(loaded);
        _runner = new EncoderRunner(loaded.Encoder, options.BatchSize, loaded.Directory);
        _tokenizeAhead = TokenizeAhead.BatchesPerChunk * options.BatchSize;
        Pooling = ResolvePooling(options.Pooling, loaded.SentenceTransformers, loaded.Directory);
        Normalize = options.Normalize ?? loaded.SentenceTransformers?.Normalize ?? false;
        MaxLength = loaded.ResolveMaxLength(options.MaxLength);
        _preparer = new InputPreparer(loaded.Tokenizer, MaxLength, options.LongInputs, options.TruncationDirection,
            loaded.SentenceTransformers?.DoLowerCase ?? false);
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

    /// <summary>Name of the kernel set (or device) running the forward pass.</summary>
    public string KernelName => _loaded.KernelName;

    /// <summary>Loads a model folder (config.json, safetensors weights, tokenizer files, sentence-transformers files).</summary>
    /// <exception cref="ModelFormatException">A file is missing, malformed or inconsistent; the message names it.</exception>
    /// <exception cref="ArgumentException">An option is out of range for this model.</exception>
    public static EmbeddingModel Load(string directory, EmbeddingOptions? options = null)
    {
        options ??= new EmbeddingOptions();
        var loaded = LoadedEncoder.Load(directory, options);
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

    /// <summary>The prompts the folder defines (config_sentence_transformers.json), by name.</summary>
    public IReadOnlyDictionary<string, string> Prompts => _loaded.SentenceTransformers?.Prompts ?? new Dictionary<string, string>();

    /// <summary>
    /// Embeds texts; results in input order. Safe to call from several threads.
    /// A prompt (an instruction such as "query: " or BGE's "Represent this sentence for searching relevant passages: ")
    /// is put before every text: <paramref name="prompt"/> literally, else the folder's prompt called
    /// <paramref name="promptName"/>, else the folder's default prompt, if any.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown prompt name, or an input over the limit under <see cref="LongInputPolicy.Error"/>.</exception>
    public float[][] Embed(IReadOnlyList<string> texts, string? promptName = null, string? prompt = null) =>
        EmbedPairs(texts.Select(text => (text, (string?)null)).ToArray(), promptName, prompt);

    /// <summary>
    /// Embeds texts with optional second texts (pair encodings); the prompt goes before the first text.
    /// <paramref name="onTruncated"/>, if given, is called with the index of every input that the
    /// <see cref="LongInputPolicy.Truncate"/> policy cut to <see cref="MaxLength"/> tokens (prompt included).
    /// </summary>
    public float[][] EmbedPairs(IReadOnlyList<(string Text, string? Pair)> inputs, string? promptName = null, string? prompt = null,
        Action<int>? onTruncated = null)
    {
        var options = new PrepareOptions { PromptName = promptName, Prompt = prompt };
        if (_runner.Overlaps && inputs.Count > _tokenizeAhead) return EmbedTokenizingAhead(inputs, options, onTruncated);
        var prepared = Prepare(inputs, options);
        if (onTruncated is not null)
            foreach (int index in prepared.TruncatedInputs) onTruncated(index);
        return Embed([prepared])[0];
    }

    /// <summary>
    /// Texts in chunks, the next tokenized while the device runs this one, all through one device pipeline
    /// (<see cref="TokenizeAhead"/>).
    /// </summary>
    private float[][] EmbedTokenizingAhead(IReadOnlyList<(string Text, string? Pair)> inputs, PrepareOptions options, Action<int>? onTruncated)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var results = new float[inputs.Count][];
        var truncated = new List<int>();
        var chunks = TokenizeAhead.Chunks(inputs.Count, _tokenizeAhead, (start, length) => Prepare(inputs.Skip(start).Take(length).ToArray(), options, firstIndex: start));
        _runner.RunHeads(chunks.SelectMany(chunk =>
        {
            var (start, prepared) = chunk;
            truncated.AddRange(prepared.TruncatedInputs.Select(index => start + index));
            var normalize = new bool[prepared.Count];
            Array.Fill(normalize, prepared.Normalize);
            var vectors = new float[prepared.Count][];
            return PoolOnDevice([.. prepared.Inputs], [.. prepared.Chunked], normalize, vectors, owner => results[start + owner] = vectors[owner]);
        }));
        // Told after the run, outside the model's device lock: the callback may call the model again.
        if (onTruncated is not null)
            foreach (int index in truncated) onTruncated(index);
        return results;
    }

    /// <summary>
    /// The number of tokens the encoder runs for these texts under <see cref="Embed(IReadOnlyList{string}, string?, string?)"/>
    /// (prompt, truncation and windows included): what usage reports count. Tokenizes only.
    /// </summary>
    public int CountTokens(IReadOnlyList<string> texts, string? promptName = null, string? prompt = null)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var inputs = texts.Select(text => (text, (string?)null)).ToArray();
        bool excludePrompt = _loaded.SentenceTransformers?.Pooling is { IncludePrompt: false };
        return checked((int)_preparer.Prepare(inputs, ResolvePrompt(promptName, prompt), excludePrompt).TokenCount);
    }

    /// <summary>Embeds already tokenized inputs (special tokens included); results in input order.</summary>
    /// <exception cref="ArgumentException">An input is empty, too long, or holds an id outside the model's tables.</exception>
    public float[][] Embed(IReadOnlyList<TokenEncoding> encodings)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        if (_loaded.Encoder.OnDevice)
        {
            var results = new float[encodings.Count][];
            _runner.RunPooled(encodings, Heads.Pooling.ToTokenPooling(Pooling), Normalize, (index, vector) => results[index] = vector.ToArray());
            return results;
        }
        var handler = new PoolingHandler(new float[encodings.Count][], _loaded.Kernels, Dimension,
            Heads.Pooling.ToTokenPooling(Pooling), Normalize);
        _runner.Run(encodings, ref handler);
        return handler.Results;
    }

    /// <summary>Pools each input into its own new vector: the hot path allocates only the returned vectors.</summary>
    private readonly struct PoolingHandler(float[][] results, IKernels kernels, int dimension, TokenPooling pooling, bool normalize)
        : ISequenceHandler
    {
        public float[][] Results => results;

        public void Handle(int inputIndex, ReadOnlySpan<int> ids, ReadOnlySpan<float> hidden)
        {
            var vector = new float[dimension];
            kernels.Pool(hidden, ids.Length, dimension, pooling, normalize, vector);
            results[inputIndex] = vector;
        }
    }

    /// <summary>
    /// The encoder's last hidden state for one input, [tokens × <see cref="Dimension"/>] row-major
    /// (sentence-transformers' token_embeddings).
    /// </summary>
    public float[] LastHiddenState(TokenEncoding encoding)
    {
        float[] result = [];
        LastHiddenStates([encoding], (_, hidden) => result = hidden);
        return result;
    }

    /// <summary>
    /// <see cref="LastHiddenState"/> of many inputs in one batched pass: each input's rows go to
    /// <paramref name="onHiddenState"/> (input index, rows) as soon as its batch is done, on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentException">An input is empty, too long, or holds an id outside the model's tables.</exception>
    public void LastHiddenStates(IReadOnlyList<TokenEncoding> encodings, Action<int, float[]> onHiddenState)
    {
        ArgumentNullException.ThrowIfNull(onHiddenState);
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        _runner.Run(encodings, (index, _, hidden) => onHiddenState(index, hidden.ToArray()));
    }

    /// <summary>
    /// Releases the weights' memory map and the kernel threads once no call is running; safe while other threads
    /// are inside <see cref="Embed(IReadOnlyList{string}, string?, string?)"/>: they finish, later calls throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => _loaded.Dispose();

    private string ResolvePrompt(string? promptName, string? prompt)
    {
        if (prompt is not null) return prompt;
        string? name = promptName ?? _loaded.SentenceTransformers?.DefaultPromptName;
        if (name is null) return "";
        return Prompts.TryGetValue(name, out var text)
            ? text
            : throw new ArgumentException($"prompt '{name}' is not defined by the model (it defines: {(Prompts.Count == 0 ? "none" : string.Join(", ", Prompts.Keys))})");
    }

    /// <summary>A module we do not run (Dense projection, …) would silently change the vectors: refuse the folder.</summary>
    private static void RejectUnsupportedModules(LoadedEncoder loaded)
    {
        string[] supported = [SentenceTransformersModule.TransformerType, SentenceTransformersModule.PoolingType, SentenceTransformersModule.NormalizeType];
        foreach (var module in loaded.SentenceTransformers?.Modules ?? [])
            if (!supported.Contains(module.Type))
                throw new ModelFormatException(Path.Combine(loaded.Directory, "modules.json"),
                    $"module '{module.Name}' of type {module.Type} is not supported (supported: Transformer, Pooling, Normalize)");
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
