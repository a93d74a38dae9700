using EmbedRt.Loader.Config;
using EmbedRt.Rerank;
using EmbedRt.Server.Api;
using EmbedRt.Server.Batching;
using EmbedRt.Server.Metrics;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Models;

/// <summary>A cross-encoder (bge-reranker, ...): /rerank, each (query, text) pair one encoder input.</summary>
internal sealed class RerankerServedModel : ServedModel
{
    private readonly CrossEncoder _model;
    private readonly ModelConfig _config;

    public RerankerServedModel(string name, string directory, ModelConfig config, ModelServices services) : base(name, directory, services)
    {
        _config = config;
        _model = CrossEncoder.Load(directory, services.Options.Embedding);
    }

    public override ITextTokenizer Tokenizer => _model.Tokenizer;

    public override int MaxInputLength => _model.MaxLength;

    public override ModelTypeInfo TypeInfo
    {
        get
        {
            var id2Label = _config.Id2Label.Count > 0 ? _config.Id2Label : new Dictionary<string, string> { ["0"] = "LABEL_0" };
            return new ModelTypeInfo(null, new ClassifierTypeInfo(id2Label, id2Label.ToDictionary(p => p.Value, p => int.Parse(p.Key))));
        }
    }

    public override Task<ModelOutput<float>> RerankAsync(string query, ModelInput[] texts, bool truncate, TruncationDirection direction,
        RequestTimings timings, CancellationToken cancel) =>
        RunAsync<TokenEncoding, float>(texts, chunk =>
        {
            var encodings = chunk.Select(text => Encode(new ModelInput(query, null), truncate, direction, pair: text.Text)).ToArray();
            return (encodings, encodings.Sum(e => e.Ids.Length));
        }, timings, cancel);

    protected override void WarmUp() =>
        _model.Logits([Tokenizer.Encode("warm", string.Join(' ', Enumerable.Repeat("warm", MaxInputLength)), MaxInputLength)]);

    protected override void RunBatch(IReadOnlyList<QueuedJob> batch) =>
        BatchJob<TokenEncoding, float>.RunMergedProgressively(batch, (encodings, done) => _model.Logits(encodings, done));

    public override void Dispose()
    {
        base.Dispose();
        _model.Dispose();
    }
}
