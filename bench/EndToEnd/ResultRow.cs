namespace EmbedRt.Bench.EndToEnd;

/// <summary>One line of the result table: a model, an input set, a thread count, a batch size, every engine's timing.</summary>
internal sealed record ResultRow(
    ModelInfo Model,
    InputSet Set,
    int Threads,
    int BatchSize,
    bool OneInputPerCall,
    IReadOnlyDictionary<string, Measurement> ByEngine,
    double? MinCosine)
{
    /// <summary>EmbedRt throughput over ORT's (above 1: EmbedRt is faster); null unless both ran.</summary>
    public double? Speedup =>
        ByEngine.TryGetValue("embedrt", out var e) && ByEngine.TryGetValue("ort", out var o)
            ? e.SequencesPerSecond / o.SequencesPerSecond : null;
}
