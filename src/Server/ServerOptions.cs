namespace EmbedRt.Server;

/// <summary>Settings of <c>embedrt serve</c>; names and defaults follow text-embeddings-inference's flags.</summary>
public sealed record ServerOptions
{
    /// <summary>Model folders to serve; the first is the default for routes without a model prefix.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Names clients use for the models, in the order of <see cref="Models"/>; a missing one defaults to the folder name.</summary>
    public IReadOnlyList<string> ServedModelNames { get; init; } = [];

    /// <summary>The name a model folder is served under when none is given: the folder's own name.</summary>
    public static string DefaultServedName(string folder) => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));

    /// <summary>Address to listen on.</summary>
    public string Hostname { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free one (see <see cref="EmbedServer.Port"/>).</summary>
    public int Port { get; init; } = 3000;

    /// <summary>Inputs admitted per model at once (queued or running); more are answered 429.</summary>
    public int MaxConcurrentRequests { get; init; } = 512;

    /// <summary>Token budget of one dynamically formed batch.</summary>
    public int MaxBatchTokens { get; init; } = 16384;

    /// <summary>Most requests merged into one batch; null means only the token budget bounds it.</summary>
    public int? MaxBatchRequests { get; init; }

    /// <summary>Most inputs in one client request.</summary>
    public int MaxClientBatchSize { get; init; } = 32;

    /// <summary>
    /// Accept client batches over <see cref="MaxClientBatchSize"/> and queue them in chunks of that size (other
    /// clients' requests interleave) instead of refusing them.
    /// </summary>
    public bool SplitClientBatches { get; init; }

    /// <summary>Truncate inputs over the model's max length when a request does not say (TEI's --auto-truncate).</summary>
    public bool AutoTruncate { get; init; }

    /// <summary>Prompt name used when a request names none.</summary>
    public string? DefaultPromptName { get; init; }

    /// <summary>Largest request body in bytes; larger ones are answered 413.</summary>
    public long PayloadLimit { get; init; } = 2_000_000;

    /// <summary>When set, every route but /health and /metrics needs "Authorization: Bearer KEY".</summary>
    public string? ApiKey { get; init; }

    /// <summary>Requests tokenized at once (off the forward threads); null means the processor count.</summary>
    public int? TokenizationWorkers { get; init; }

    /// <summary>Library options used to load every model (kernel threads, 16-bit weights, ...).</summary>
    public EmbeddingOptions Embedding { get; init; } = new();

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        if (Models.Count == 0) throw new ArgumentException("at least one --model is needed");
        if (ServedModelNames.Count > Models.Count)
            throw new ArgumentException($"{ServedModelNames.Count} --served-model-name values for {Models.Count} models");
        Positive(MaxConcurrentRequests, "--max-concurrent-requests");
        Positive(MaxBatchTokens, "--max-batch-tokens");
        Positive(MaxClientBatchSize, "--max-client-batch-size");
        Positive(PayloadLimit, "--payload-limit");
        if (MaxBatchRequests is { } requests) Positive(requests, "--max-batch-requests");
        if (TokenizationWorkers is { } workers) Positive(workers, "--tokenization-workers");
        if (Port is < 0 or > 65535) throw new ArgumentException($"--port must be 0-65535, got {Port}");
        if (ApiKey is "") throw new ArgumentException("--api-key must not be empty");
    }

    private static void Positive(long value, string name)
    {
        if (value < 1) throw new ArgumentException($"{name} must be at least 1, got {value}");
    }
}
