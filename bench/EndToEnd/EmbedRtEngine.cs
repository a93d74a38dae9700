using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>EmbedRt through its public API, batching and pooling done by the library, in one compute precision.</summary>
internal sealed class EmbedRtEngine(string name, string modelDirectory, int threads, int batchSize, ComputePrecision precision) : IEmbeddingEngine
{
    private readonly EmbeddingModel _model = EmbeddingModel.Load(modelDirectory, new EmbeddingOptions
    {
        Threads = threads,
        BatchSize = batchSize,
        Pooling = PoolingMode.Mean,
        Normalize = true,
        Precision = precision,
    });

    public string Name => name;

    public float[][] Embed(IReadOnlyList<TokenEncoding> inputs) => _model.Embed(inputs);

    public void Dispose() => _model.Dispose();
}
