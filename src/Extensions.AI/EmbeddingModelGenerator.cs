using EmbedRt.Output;
using Microsoft.Extensions.AI;

namespace EmbedRt.Extensions.AI;

/// <summary>
/// The common part of EmbedRt's <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>s: batches the inputs through an
/// <see cref="EmbeddingModel"/>, observing cancellation between batches, applies Matryoshka
/// <see cref="EmbeddingGenerationOptions.Dimensions"/>, counts input tokens into <see cref="UsageDetails"/>, and lets
/// the derived class turn each float vector into its embedding type.
/// </summary>
/// <typeparam name="TEmbedding">The embedding type produced.</typeparam>
public abstract class EmbeddingModelGenerator<TEmbedding> : IEmbeddingGenerator<string, TEmbedding>
    where TEmbedding : Embedding
{
    /// <summary>Provider name reported in <see cref="EmbeddingGeneratorMetadata"/> and telemetry.</summary>
    public const string ProviderName = "EmbedRt";

    /// <summary>
    /// Key of <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> naming one of the model's prompts
    /// (config_sentence_transformers.json), e.g. "query" for an asymmetric retrieval model.
    /// </summary>
    public const string PromptNameProperty = "prompt_name";

    /// <summary>Key of <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> giving a literal prompt, e.g. "query: ".</summary>
    public const string PromptProperty = "prompt";

    private readonly EmbeddingModel _model;
    private readonly EmbedRtGeneratorOptions _options;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private bool _disposed;

    /// <summary>Wraps <paramref name="model"/>; with <see cref="EmbedRtGeneratorOptions.OwnsModel"/> the generator disposes it.</summary>
    protected EmbeddingModelGenerator(EmbeddingModel model, EmbedRtGeneratorOptions? options)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new EmbedRtGeneratorOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.BatchSize);
        _model = model;
        ModelId = _options.ModelId ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Directory));
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, providerUri: null, ModelId, model.Dimension);
    }

    /// <summary>The model id reported in metadata and on every embedding (by default the model folder's name).</summary>
    public string ModelId { get; }

    /// <summary>The underlying model.</summary>
    public EmbeddingModel Model => _model;

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EmbeddingGenerationOptions.Dimensions"/> is not in 1..the model's dimension.</exception>
    /// <exception cref="ArgumentException">Options ask for another model, or name a prompt the model does not define.</exception>
    public async Task<GeneratedEmbeddings<TEmbedding>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int dimensions = ResolveDimensions(options);
        if (options?.ModelId is { } requested && requested != ModelId)
            throw new ArgumentException($"this generator serves model '{ModelId}', not '{requested}'", nameof(options));
        string? promptName = PropertyOf(options, PromptNameProperty);
        string? prompt = PropertyOf(options, PromptProperty);

        var results = new GeneratedEmbeddings<TEmbedding>();
        long tokens = 0;
        foreach (var batch in values.Chunk(_options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (vectors, batchTokens) = await Task.Run(() =>
                (_model.Embed(batch, promptName, prompt), _model.CountTokens(batch, promptName, prompt)), cancellationToken).ConfigureAwait(false);
            tokens += batchTokens;
            var createdAt = DateTimeOffset.UtcNow;
            foreach (var vector in vectors)
            {
                var embedding = ToEmbedding(dimensions == vector.Length ? vector : Matryoshka.Truncate(vector, dimensions, _model.Normalize));
                embedding.ModelId = ModelId;
                embedding.CreatedAt = createdAt;
                results.Add(embedding);
            }
        }
        results.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return results;
    }

    /// <summary>Turns one float vector (already truncated to the requested dimensions) into the embedding type.</summary>
    protected abstract TEmbedding ToEmbedding(float[] vector);

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(EmbeddingModel)) return _model;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_options.OwnsModel) _model.Dispose();
        GC.SuppressFinalize(this);
    }

    private int ResolveDimensions(EmbeddingGenerationOptions? options)
    {
        if (options?.Dimensions is not { } dimensions) return _model.Dimension;
        if (dimensions <= 0 || dimensions > _model.Dimension)
            throw new ArgumentOutOfRangeException(nameof(options), dimensions,
                $"Dimensions must be between 1 and the model's {_model.Dimension} (Matryoshka truncation can only shorten vectors)");
        return dimensions;
    }

    private static string? PropertyOf(EmbeddingGenerationOptions? options, string key) =>
        options?.AdditionalProperties?.TryGetValue(key, out var value) == true
            ? value as string ?? throw new ArgumentException($"option '{key}' must be a string", nameof(options))
            : null;
}
