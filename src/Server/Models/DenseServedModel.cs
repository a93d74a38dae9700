using EmbedRt.Server.Api;
using EmbedRt.Server.Batching;
using EmbedRt.Server.Metrics;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Models;

/// <summary>A sentence-embedding model (BGE, e5, gte, M3E, ...): /embed and /embed_all (the last hidden state per token).</summary>
internal sealed class DenseServedModel : ServedModel
{
    private readonly EmbeddingModel _model;

    public DenseServedModel(string name, string directory, ModelServices services) : base(name, directory, services)
    {
        _model = EmbeddingModel.Load(directory, services.Options.Embedding);
        if (Options.DefaultPromptName is { } prompt && !_model.Prompts.ContainsKey(prompt))
        {
            _model.Dispose();
            throw new ArgumentException($"--default-prompt-name '{prompt}' is not defined by model {name} (it defines: " +
                $"{(_model.Prompts.Count == 0 ? "none" : string.Join(", ", _model.Prompts.Keys))})");
        }
    }

    public override ITextTokenizer Tokenizer => _model.Tokenizer;

    public override int MaxInputLength => _model.MaxLength;

    public override IReadOnlyDictionary<string, string> Prompts => _model.Prompts;

    public override ModelTypeInfo TypeInfo => new(new EmbeddingTypeInfo(_model.Pooling.ToString().ToLowerInvariant()), null);

    public override async Task<ModelOutput<float[]>> EmbedAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel)
    {
        var result = await RunAsync<PreparedTexts, float[][]>(inputs, chunk => PrepareRuns(chunk, options), timings, cancel);
        return new ModelOutput<float[]>(result.Outputs.SelectMany(vectors => vectors).ToArray(), result.Tokens);
    }

    public override Task<ModelOutput<float[][]>> EmbedAllAsync(ModelInput[] inputs, TextOptions options, RequestTimings timings, CancellationToken cancel) =>
        RunAsync<TokenEncoding, float[][]>(inputs, chunk =>
        {
            var encodings = chunk.Select(input => input.Ids is null
                ? Prepare([input], options).Encodings.Single()
                : _model.Prepare([Encode(input, options.Truncate, options.Direction)]).Encodings.Single()).ToArray();
            return (encodings, encodings.Sum(e => e.Ids.Length));
        }, timings, cancel);

    protected override void WarmUp()
    {
        var longest = Prepare([new ModelInput(string.Join(' ', Enumerable.Repeat("warm", MaxInputLength)), null)], new TextOptions(true, null, true));
        _model.Embed([longest]);
    }

    protected override void RunBatch(IReadOnlyList<QueuedJob> batch)
    {
        BatchJob<PreparedTexts, float[][]>.RunMergedProgressively(batch, (groups, done) => _model.Embed(groups, done));
        BatchJob<TokenEncoding, float[][]>.RunMergedProgressively(batch, (encodings, done) =>
        {
            _model.LastHiddenStates(encodings, (i, hidden) => done(i, TokenVectors(hidden)));
        });
    }

    /// <summary>Consecutive texts, and consecutive token-id inputs, each prepared as one group (in request order).</summary>
    private (PreparedTexts[] Items, int Tokens) PrepareRuns(ArraySegment<ModelInput> chunk, TextOptions options)
    {
        var runs = new List<PreparedTexts>();
        for (int start = 0; start < chunk.Count;)
        {
            bool ids = chunk[start].Ids is not null;
            int end = start + 1;
            while (end < chunk.Count && chunk[end].Ids is not null == ids) end++;
            var run = chunk.Slice(start, end - start);
            runs.Add(ids
                ? _model.Prepare(run.Select(input => Encode(input, options.Truncate, options.Direction)).ToArray(), options.Normalize)
                : Prepare(run, options));
            start = end;
        }
        return (runs.ToArray(), runs.Sum(run => run.TokenCount));
    }

    private PreparedTexts Prepare(IEnumerable<ModelInput> texts, TextOptions options) =>
        _model.Prepare(texts.Select(input => (input.Text!, (string?)null)).ToArray(), new PrepareOptions
        {
            PromptName = options.PromptName ?? Options.DefaultPromptName,
            LongInputs = options.Truncate ? LongInputPolicy.Truncate : LongInputPolicy.Error,
            TruncationDirection = options.Direction,
            Normalize = options.Normalize,
        });

    /// <summary>The last hidden state of one input as one vector per token.</summary>
    private float[][] TokenVectors(float[] hidden)
    {
        int h = _model.Dimension;
        return Enumerable.Range(0, hidden.Length / h).Select(t => hidden[(t * h)..((t + 1) * h)]).ToArray();
    }

    public override void Dispose()
    {
        base.Dispose();
        _model.Dispose();
    }
}
