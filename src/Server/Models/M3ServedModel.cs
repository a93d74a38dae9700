using EmbedRt.M3;
using EmbedRt.Server.Api;
using EmbedRt.Server.Batching;
using EmbedRt.Server.Metrics;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Models;

/// <summary>BGE-M3: /embed (dense), /embed_sparse (lexical weights), /embed_all (ColBERT vectors), all from one pass.</summary>
internal sealed class M3ServedModel : ServedModel
{
    private readonly BgeM3Model _model;

    public M3ServedModel(string name, string directory, ModelServices services) : base(name, directory, services) =>
        _model = BgeM3Model.Load(directory, services.Options.Embedding);

    public override ITextTokenizer Tokenizer => _model.Tokenizer;

    public override int MaxInputLength => _model.MaxLength;

    public override ModelTypeInfo TypeInfo => new(new EmbeddingTypeInfo("cls"), null);

    public override async Task<ModelOutput<float[]>> EmbedAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel)
    {
        if (!options.Normalize) throw ApiException.Invalid("BGE-M3 dense vectors are always normalized: normalize=false is not supported", "normalize");
        var result = await EncodeAsync(inputs, options, timings, cancel);
        return new ModelOutput<float[]>(result.Outputs.Select(m => m.Dense).ToArray(), result.Tokens);
    }

    public override async Task<ModelOutput<IReadOnlyDictionary<int, float>>> EmbedSparseAsync(ModelInput[] inputs, TextOptions options,
        RequestTimings timings, CancellationToken cancel)
    {
        var result = await EncodeAsync(inputs, options, timings, cancel);
        return new ModelOutput<IReadOnlyDictionary<int, float>>(result.Outputs.Select(m => m.Sparse).ToArray(), result.Tokens);
    }

    public override async Task<ModelOutput<float[][]>> EmbedAllAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel)
    {
        var result = await EncodeAsync(inputs, options, timings, cancel);
        return new ModelOutput<float[][]>(result.Outputs.Select(m => m.ColBert).ToArray(), result.Tokens);
    }

    protected override void WarmUp() =>
        _model.Encode([Tokenizer.Encode(string.Join(' ', Enumerable.Repeat("warm", MaxInputLength)), null, MaxInputLength)]);

    protected override void RunBatch(IReadOnlyList<QueuedJob> batch) =>
        BatchJob<TokenEncoding, M3Embedding>.RunMergedProgressively(batch, (encodings, done) => _model.Encode(encodings, done));

    private Task<ModelOutput<M3Embedding>> EncodeAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel)
    {
        if (options.PromptName is not null) throw ApiException.Invalid("BGE-M3 takes no prompts: remove prompt_name", "prompt_name");
        return RunAsync<TokenEncoding, M3Embedding>(inputs, chunk =>
        {
            var encodings = chunk.Select(input => Encode(input, options.Truncate, options.Direction)).ToArray();
            return (encodings, encodings.Sum(e => e.Ids.Length));
        }, timings, cancel);
    }

    public override void Dispose()
    {
        base.Dispose();
        _model.Dispose();
    }
}
