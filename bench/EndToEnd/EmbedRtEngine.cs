using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>EmbedRt through its public API, batching and pooling done by the library.</summary>
internal sealed class EmbedRtEngine(string modelDirectory, int threads, int batchSize) : IEmbeddingEngine
{
    private readonly EmbeddingModel _model = EmbeddingModel.Load(modelDirectory, new EmbeddingOptions
    {
        Threads = threads,
        BatchSize = batchSize,
        Pooling = PoolingMode.Mean,
        Normalize = true,
    });

    public string Name => "embedrt";

    public float[][] Embed(IReadOnlyList<TokenEncoding> inputs) => _model.Embed(inputs);

    public void Dispose() => _model.Dispose();
}
