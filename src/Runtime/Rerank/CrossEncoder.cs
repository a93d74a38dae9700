using EmbedRt.Devices;
using EmbedRt.Loader;
using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt.Rerank;

/// <summary>
/// A cross-encoder reranker (bge-reranker and the like): the query and a passage are encoded together as a pair
/// and a classification head turns the first token into one relevance logit.
/// </summary>
public sealed class CrossEncoder : IDisposable
{
    private readonly LoadedEncoder _loaded;
    private readonly EncoderRunner _runner;
    private readonly ClassificationHead _head;
    private readonly IDeviceHead? _deviceHead;
    private readonly int _tokenizeAhead;

    private CrossEncoder(LoadedEncoder loaded, EmbeddingOptions options, ClassificationHead head)
    {
        _loaded = loaded;
        _runner = new EncoderRunner(loaded.Encoder, options.BatchSize, loaded.Directory);
        _head = head;
        _tokenizeAhead = TokenizeAhead.BatchesPerChunk * options.BatchSize;
        MaxLength = loaded.ResolveMaxLength(options.MaxLength, pairs: true);
        TruncationDirection = options.TruncationDirection;
        // On a device the whole head runs there: one logit per pair crosses the bus, not the hidden state.
        if (_runner.OnDevice) _deviceHead = _runner.LoadHead(head.DeviceSpec);
    }

    /// <summary>Which end of each text of a pair truncation cuts (<see cref="EmbeddingOptions.TruncationDirection"/>).</summary>
    public TruncationDirection TruncationDirection { get; }

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer => _loaded.Tokenizer;

    /// <summary>Name of the kernel set (or device) running the forward pass.</summary>
    public string KernelName => _loaded.KernelName;

    /// <summary>Pairs are truncated to this many tokens (longest first), special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>Loads a sequence-classification checkpoint with one label; pooling and normalization options do not apply.</summary>
    /// <exception cref="ModelFormatException">A file is missing, malformed, or the model is not a one-label classifier.</exception>
    public static CrossEncoder Load(string directory, EmbeddingOptions? options = null)
    {
        options ??= new EmbeddingOptions();
        var loaded = LoadedEncoder.Load(directory, options);
        try
        {
            var head = ClassificationHead.Load(loaded.Checkpoint, loaded.Config, loaded.Encoder.WeightPrefix);
            if (head.Labels != 1)
                throw new ModelFormatException(loaded.Checkpoint.SourcePath, $"the classifier has {head.Labels} labels; a reranker has exactly 1");
            return new CrossEncoder(loaded, options, head);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Raw logits of (query, passage) pairs, in input order.</summary>
    public float[] Logits(IReadOnlyList<(string Query, string Passage)> pairs)
    {
        TokenEncoding[] Tokenize(int start, int length)
        {
            var encodings = new TokenEncoding[length];
            for (int i = 0; i < length; i++)
                encodings[i] = Tokenizer.Encode(pairs[start + i].Query, pairs[start + i].Passage, MaxLength, TruncationDirection);
            return encodings;
        }
        if (!_runner.Overlaps || pairs.Count <= _tokenizeAhead) return Logits(Tokenize(0, pairs.Count));
        // Chunks tokenized ahead flow through one device pipeline (TokenizeAhead).
        using var lease = _loaded.Acquire(nameof(CrossEncoder));
        var logits = new float[pairs.Count];
        _runner.RunHeads(TokenizeAhead.Chunks(pairs.Count, _tokenizeAhead, Tokenize).Select(chunk =>
            new DeviceWork(chunk.Prepared, [_deviceHead!], (index, _, outputs) => logits[chunk.Start + index] = outputs[0][0])));
        return logits;
    }

    /// <summary>Raw logits of already encoded pairs, in input order.</summary>
    public float[] Logits(IReadOnlyList<TokenEncoding> encodings) => Logits(encodings, onLogit: null);

    /// <summary>
    /// <see cref="Logits(IReadOnlyList{TokenEncoding})"/> that also hands each pair's logit to <paramref name="onLogit"/>
    /// (input index, logit) as soon as its forward pass is done, on the calling thread.
    /// The callback runs inside the forward loop: it must not call this model (that throws InvalidOperationException).
    /// </summary>
    public float[] Logits(IReadOnlyList<TokenEncoding> encodings, Action<int, float>? onLogit)
    {
        using var lease = _loaded.Acquire(nameof(CrossEncoder));
        var logits = new float[encodings.Count];
        int h = _loaded.Config.Hidden;
        if (_deviceHead is not null)
            _runner.RunHeads(encodings, [_deviceHead], (index, _, outputs) =>
            {
                logits[index] = outputs[0][0];
                onLogit?.Invoke(index, logits[index]);
            });
        else
            _runner.Run(encodings, (index, _, hidden) =>
            {
                _head.Apply(hidden[..h], logits.AsSpan(index, 1));
                onLogit?.Invoke(index, logits[index]);
            });
        return logits;
    }

    /// <summary>Scores every passage against the query; sorted by score, best first.</summary>
    public RerankResult[] Rerank(string query, IReadOnlyList<string> passages)
    {
        var logits = Logits(passages.Select(p => (query, p)).ToArray());
        return logits.Select((logit, i) => new RerankResult(i, logit, Sigmoid(logit)))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Index).ToArray();
    }

    /// <summary>The logistic function, as bge-reranker's normalize=True applies it.</summary>
    public static float Sigmoid(float logit) => (float)(1.0 / (1.0 + Math.Exp(-logit)));

    /// <summary>Releases the weights once no call is running; calls already inside finish, later ones throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _loaded.Dispose();
}
