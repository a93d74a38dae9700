using Microsoft.Extensions.AI;

namespace EmbedRt.Extensions.AI;

/// <summary>float32 embeddings from a local <see cref="EmbeddingModel"/>.</summary>
/// <example>
/// <code>
/// using var generator = new EmbedRtEmbeddingGenerator(EmbeddingModel.Load("bge-small-en-v1.5"), new() { OwnsModel = true });
/// var embeddings = await generator.GenerateAsync(["hello"], new EmbeddingGenerationOptions { Dimensions = 256 });
/// </code>
/// </example>
public sealed class EmbedRtEmbeddingGenerator(EmbeddingModel model, EmbedRtGeneratorOptions? options = null)
    : EmbeddingModelGenerator<Embedding<float>>(model, options)
{
    /// <inheritdoc />
    protected override Embedding<float> ToEmbedding(float[] vector) => new(vector);
}

/// <summary>float16 embeddings (half the storage of float32) from a local <see cref="EmbeddingModel"/>.</summary>
public sealed class EmbedRtHalfEmbeddingGenerator(EmbeddingModel model, EmbedRtGeneratorOptions? options = null)
    : EmbeddingModelGenerator<Embedding<Half>>(model, options)
{
    /// <inheritdoc />
    protected override Embedding<Half> ToEmbedding(float[] vector)
    {
        var half = new Half[vector.Length];
        for (int i = 0; i < vector.Length; i++) half[i] = (Half)vector[i];
        return new Embedding<Half>(half);
    }
}

/// <summary>
/// Bit embeddings (one bit per dimension, set where the value is &gt; 0, as sentence-transformers' binary
/// quantization) from a local <see cref="EmbeddingModel"/>, for Hamming-distance vector stores.
/// </summary>
public sealed class EmbedRtBinaryEmbeddingGenerator(EmbeddingModel model, EmbedRtGeneratorOptions? options = null)
    : EmbeddingModelGenerator<BinaryEmbedding>(model, options)
{
    /// <inheritdoc />
    protected override BinaryEmbedding ToEmbedding(float[] vector)
    {
        var bits = new System.Collections.BitArray(vector.Length);
        for (int i = 0; i < vector.Length; i++) bits[i] = vector[i] > 0;
        return new BinaryEmbedding(bits);
    }
}
