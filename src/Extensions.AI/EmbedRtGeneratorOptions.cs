namespace EmbedRt.Extensions.AI;

/// <summary>Settings of EmbedRt's embedding generators.</summary>
public sealed record EmbedRtGeneratorOptions
{
    /// <summary>Model id reported in metadata, on embeddings and in telemetry; by default the model folder's name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Inputs embedded per step; cancellation is checked between steps.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Whether disposing the generator disposes the model.</summary>
    public bool OwnsModel { get; init; }
}
