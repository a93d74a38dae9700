using System.Diagnostics;
using EmbedRt.Server.Api;
using EmbedRt.Server.Batching;
using EmbedRt.Server.Metrics;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Models;

/// <summary>How a request wants its texts turned into tokens and vectors.</summary>
/// <param name="Truncate">Cut inputs over the max length (else refuse them).</param>
/// <param name="PromptName">A prompt of the model folder; null means none (or the server's default).</param>
/// <param name="Normalize">L2-normalize the vectors.</param>
/// <param name="Direction">Which end truncation cuts (TEI's truncation_direction).</param>
internal sealed record TextOptions(bool Truncate, string? PromptName, bool Normalize, TruncationDirection Direction = TruncationDirection.Right);

/// <summary>Outputs for a request's inputs, in order, and the tokens the encoder ran for them.</summary>
internal sealed record ModelOutput<T>(T[] Outputs, int Tokens);

/// <summary>Services every served model shares: settings, metrics, and the tokenization slots.</summary>
internal sealed record ModelServices(ServerOptions Options, ServerMetrics Metrics, SemaphoreSlim TokenizationSlots);

/// <summary>
/// A loaded model behind the routes: its own queue and forward thread, its own in-flight limit. Subclasses say
/// which operations the model supports (an unsupported one is TEI's 424), how inputs are tokenized, and how a
/// batch of queued jobs runs through the library in one call.
/// </summary>
internal abstract class ServedModel : IDisposable
{
    private readonly ModelServices _services;
    private BatchQueue? _queue;
    private readonly Lazy<TokenVocabulary> _vocabulary;

    protected ServedModel(string name, string directory, ModelServices services)
    {
        Name = name;
        Directory = directory;
        _services = services;
        Limit = new InFlightLimit(services.Options.MaxConcurrentRequests);
        _vocabulary = new Lazy<TokenVocabulary>(() => TokenVocabulary.Load(directory));
    }

    /// <summary>Token texts for /tokenize and /decode, read on first use.</summary>
    public TokenVocabulary Vocabulary => _vocabulary.Value;

    /// <summary>The prompts the model defines, by name (none unless it is a sentence-embedding model).</summary>
    public virtual IReadOnlyDictionary<string, string> Prompts { get; } = new Dictionary<string, string>();

    /// <summary>The name clients use (request "model", route prefix).</summary>
    public string Name { get; }

    public string Directory { get; }

    public InFlightLimit Limit { get; }

    public abstract ITextTokenizer Tokenizer { get; }

    /// <summary>Most tokens of one input, special tokens included.</summary>
    public abstract int MaxInputLength { get; }

    /// <summary>TEI's model_type of /info.</summary>
    public abstract ModelTypeInfo TypeInfo { get; }

    protected ServerOptions Options => _services.Options;

    /// <summary>Runs a warm-up pass (buffers sized for the longest input) and starts the forward thread.</summary>
    public void Start()
    {
        WarmUp();
        var queue = new BatchQueue(Name, RunBatch, (requests, tokens) => _services.Metrics.BatchTaken(Name, requests, tokens),
            Options.MaxBatchTokens, Options.MaxBatchRequests ?? int.MaxValue);
        _services.Metrics.QueueSize(Name, () => queue.Count);
        _queue = queue;
    }

    public virtual Task<ModelOutput<float[]>> EmbedAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel) =>
        throw ApiException.WrongModelType($"model {Name} is not an embedding model");

    public virtual Task<ModelOutput<IReadOnlyDictionary<int, float>>> EmbedSparseAsync(ModelInput[] inputs, TextOptions options,
        RequestTimings timings, CancellationToken cancel) =>
        throw ApiException.WrongModelType($"model {Name} has no sparse output (only BGE-M3 models do)");

    public virtual Task<ModelOutput<float[][]>> EmbedAllAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel) =>
        throw ApiException.WrongModelType($"model {Name} is not an embedding model");

    public virtual Task<ModelOutput<float>> RerankAsync(string query, ModelInput[] texts, bool truncate, TruncationDirection direction,
        RequestTimings timings, CancellationToken cancel) =>
        throw ApiException.WrongModelType($"model {Name} is not a re-ranker model");

    protected abstract void WarmUp();

    /// <summary>Runs the jobs the forward thread took, in as few library calls as the job kinds allow.</summary>
    protected abstract void RunBatch(IReadOnlyList<QueuedJob> batch);

    /// <summary>
    /// Tokenizes the inputs in chunks of --max-client-batch-size (each a queue job, so other clients' requests
    /// interleave with a split client batch), queues each chunk as soon as it is ready, and gathers the outputs.
    /// If the request fails on the way (a later chunk is refused, an earlier one fails), its chunks still waiting
    /// leave the queue: the request is answered and its admission released, so nothing of it may run on unseen.
    /// </summary>
    protected async Task<ModelOutput<TOutput>> RunAsync<TItem, TOutput>(ModelInput[] inputs,
        Func<ArraySegment<ModelInput>, (TItem[] Items, int Tokens)> prepare, RequestTimings timings, CancellationToken cancel)
    {
        var queue = _queue ?? throw new InvalidOperationException($"model {Name} is not started");
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var jobs = new List<BatchJob<TItem, TOutput>>();
        int tokens = 0, chunk = Options.MaxClientBatchSize;
        try
        {
            for (int start = 0; start < inputs.Length; start += chunk)
            {
                var prepared = await TokenizeAsync(() => prepare(new ArraySegment<ModelInput>(inputs, start, Math.Min(chunk, inputs.Length - start))),
                    timings, cancel);
                var job = new BatchJob<TItem, TOutput>(prepared.Items, prepared.Tokens);
                tokens += prepared.Tokens;
                try
                {
                    queue.Enqueue(job, abandon.Token);
                }
                catch (ObjectDisposedException)
                {
                    throw new ApiException(ErrorType.Unhealthy, "the server is shutting down", "unhealthy");
                }
                jobs.Add(job);
            }
            // In queue order, so the first failure ends the wait (Task.WhenAll would let the later chunks run first).
            var outputs = new TOutput[jobs.Count][];
            for (int j = 0; j < jobs.Count; j++) outputs[j] = await jobs[j].Result;
            timings.Queue = jobs.Max(job => job.QueueTime);
            timings.Inference = Stopwatch.GetElapsedTime(jobs.Min(job => job.StartedAt));
            return new ModelOutput<TOutput>(outputs.SelectMany(o => o).ToArray(), tokens);
        }
        catch when (jobs.Count > 0)
        {
            abandon.Cancel();
            throw;
        }
    }

    private async Task<T> TokenizeAsync<T>(Func<T> tokenize, RequestTimings timings, CancellationToken cancel)
    {
        await _services.TokenizationSlots.WaitAsync(cancel);
        long start = Stopwatch.GetTimestamp();
        try
        {
            return tokenize();
        }
        catch (ArgumentException e)
        {
            throw ApiException.Invalid($"Input validation error: {e.Message}");
        }
        catch (Exception e) when (e is not ApiException)
        {
            throw new ApiException(ErrorType.Tokenizer, $"Tokenization error: {e.Message}", "tokenization");
        }
        finally
        {
            timings.Tokenization += Stopwatch.GetElapsedTime(start);
            _services.TokenizationSlots.Release();
        }
    }

    /// <summary>
    /// A single input's encoding: a text with special tokens (after <paramref name="prompt"/>), or token ids as given;
    /// over <see cref="MaxInputLength"/> it is cut at the <paramref name="direction"/> end (<paramref name="truncate"/>)
    /// or refused as TEI refuses it. Given ids are cut as they are, special tokens included.
    /// </summary>
    protected TokenEncoding Encode(ModelInput input, bool truncate, TruncationDirection direction, string prompt = "", string? pair = null)
    {
        if (input.Ids is { } ids)
        {
            if (ids.Length > MaxInputLength && !truncate)
                throw new ArgumentException($"`inputs` must have less than {MaxInputLength} tokens. Given: {ids.Length}");
            if (ids.Length > MaxInputLength) ids = direction == TruncationDirection.Left ? ids[^MaxInputLength..] : ids[..MaxInputLength];
            return new TokenEncoding(ids, new int[ids.Length]);
        }
        // Without truncation, one token past the limit is enough to refuse: a huge text is never tokenized whole.
        var encoding = Tokenizer.Encode(prompt + input.Text, pair, truncate ? MaxInputLength : MaxInputLength + 1, direction);
        if (encoding.Ids.Length > MaxInputLength)
            throw new ArgumentException($"`inputs` must have less than {MaxInputLength} tokens");
        return encoding;
    }

    public virtual void Dispose() => _queue?.Dispose();
}
