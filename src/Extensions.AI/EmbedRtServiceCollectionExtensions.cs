using EmbedRt;
using EmbedRt.Extensions.AI;
using Microsoft.Extensions.AI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers EmbedRt models as Microsoft.Extensions.AI embedding generators.</summary>
public static class EmbedRtServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="IEmbeddingGenerator{String, Embedding}"/> of float embeddings over the model folder
    /// <paramref name="modelDirectory"/>, loaded on first use and disposed with the container. Returns the standard
    /// builder, so <c>UseLogging</c>, <c>UseOpenTelemetry</c>, <c>UseDistributedCache</c> … compose as with any provider.
    /// </summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddEmbedRtEmbeddingGenerator(this IServiceCollection services,
        string modelDirectory, EmbeddingOptions? modelOptions = null, EmbedRtGeneratorOptions? generatorOptions = null,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        return services.AddEmbeddingGenerator(_ => Create(modelDirectory, modelOptions, generatorOptions), lifetime);
    }

    /// <summary>
    /// As <see cref="AddEmbedRtEmbeddingGenerator(IServiceCollection, string, EmbeddingOptions?, EmbedRtGeneratorOptions?, ServiceLifetime)"/>,
    /// registered under <paramref name="serviceKey"/> (several models side by side).
    /// </summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> AddKeyedEmbedRtEmbeddingGenerator(this IServiceCollection services,
        object? serviceKey, string modelDirectory, EmbeddingOptions? modelOptions = null, EmbedRtGeneratorOptions? generatorOptions = null,
        ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        return services.AddKeyedEmbeddingGenerator(serviceKey, _ => Create(modelDirectory, modelOptions, generatorOptions), lifetime);
    }

    private static EmbedRtEmbeddingGenerator Create(string modelDirectory, EmbeddingOptions? modelOptions, EmbedRtGeneratorOptions? generatorOptions)
    {
        var model = EmbeddingModel.Load(modelDirectory, modelOptions);
        return new EmbedRtEmbeddingGenerator(model, (generatorOptions ?? new EmbedRtGeneratorOptions()) with { OwnsModel = true });
    }
}
