using System.Text.Json;
using EmbedRt.Rerank;
using EmbedRt.Server.Api;
using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using EmbedRt.Tokenization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmbedRt.Server.Routes;

/// <summary>text-embeddings-inference's inference routes for one model (unprefixed for the default model, "/NAME/..." for each).</summary>
internal static class TeiRoutes
{
    public static void Map(IEndpointRouteBuilder routes, ServerState state, string? model)
    {
        routes.MapPost("/embed", Handle(state, context => Embed(context, state, model)));
        routes.MapPost("/embed_sparse", Handle(state, context => EmbedSparse(context, state, model)));
        routes.MapPost("/embed_all", Handle(state, context => EmbedAll(context, state, model)));
        routes.MapPost("/rerank", Handle(state, context => Rerank(context, state, model)));
        routes.MapPost("/similarity", Handle(state, context => Similarity(context, state, model)));
        routes.MapPost("/tokenize", Handle(state, context => Tokenize(context, state, model)));
        routes.MapPost("/decode", Handle(state, context => Decode(context, state, model)));
        routes.MapGet("/info", Handle(state, context => Responses.WriteAsync(context, ServiceRoutes.Info(state, state.Catalog.Get(model)),
            ServerJson.Context.Info)));
    }

    private static RequestDelegate Handle(ServerState state, Func<HttpContext, Task> body) => Responses.Handle(state, ErrorStyle.Tei, body);

    private static async Task Embed(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.EmbedRequest, state.Options.PayloadLimit);
        if (request.Dimensions is < 1) throw ApiException.Invalid($"`dimensions` must be at least 1, got {request.Dimensions}", "dimensions");
        var vectors = await RunPooled(context, state, modelName, request, (model, inputs, options, timings) =>
            model.EmbedAsync(inputs, options, timings, context.RequestAborted));
        await Responses.WriteAsync(context, Matryoshka.Truncate(vectors, request.Dimensions, request.Normalize, "dimensions"),
            ServerJson.Context.SingleArrayArray);
    }

    private static async Task EmbedSparse(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.EmbedRequest, state.Options.PayloadLimit);
        var weights = await RunPooled(context, state, modelName, request, (model, inputs, options, timings) =>
            model.EmbedSparseAsync(inputs, options, timings, context.RequestAborted));
        var sparse = weights.Select(w => w.OrderBy(p => p.Key).Select(p => new SparseValue(p.Key, p.Value)).ToArray()).ToArray();
        await Responses.WriteAsync(context, sparse, ServerJson.Context.SparseValueArrayArray);
    }

    private static async Task EmbedAll(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.EmbedRequest, state.Options.PayloadLimit);
        var vectors = await RunPooled(context, state, modelName, request, (model, inputs, options, timings) =>
            model.EmbedAllAsync(inputs, options, timings, context.RequestAborted));
        await Responses.WriteAsync(context, vectors, ServerJson.Context.SingleArrayArrayArray);
    }

    /// <summary>The common path of /embed, /embed_sparse, /embed_all: parse, check, admit, run, count.</summary>
    private static async Task<T[]> RunPooled<T>(HttpContext context, ServerState state, string? modelName, EmbedRequest request,
        Func<ServedModel, ModelInput[], TextOptions, RequestTimings, Task<ModelOutput<T>>> run)
    {
        bool batch = InputParser.IsBatch(request.Inputs);
        state.Metrics.RequestStarted(batch);
        var inputs = InputParser.Parse(request.Inputs, "inputs");
        var model = state.Catalog.Get(modelName);
        RequestChecks.BatchSize(state.Options, inputs.Length);
        var direction = RequestChecks.TruncationDirection(request.TruncationDirection);
        var options = new TextOptions(request.Truncate ?? state.Options.AutoTruncate, request.PromptName, request.Normalize, direction);
        using var admission = RequestChecks.Admit(model, inputs.Length);
        var timings = new RequestTimings();
        var result = await run(model, inputs, options, timings);
        state.Metrics.RequestSucceeded(batch, timings, result.Tokens);
        RequestChecks.TimingHeaders(context, timings, result.Tokens, RequestChecks.Characters(inputs));
        return result.Outputs;
    }

    private static async Task Rerank(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.RerankRequest, state.Options.PayloadLimit);
        string query = request.Query ?? throw ApiException.Invalid("missing field `query`", "query");
        var texts = request.Texts ?? throw ApiException.Invalid("missing field `texts`", "texts");
        state.Metrics.RequestStarted(batch: true);
        if (texts.Count == 0) throw ApiException.Empty("`texts` cannot be empty", "texts");
        var model = state.Catalog.Get(modelName);
        RequestChecks.BatchSize(state.Options, texts.Count);
        var direction = RequestChecks.TruncationDirection(request.TruncationDirection);
        var inputs = texts.Select(text => new ModelInput(text ?? throw ApiException.Invalid("`texts` holds a null", "texts"), null)).ToArray();
        using var admission = RequestChecks.Admit(model, texts.Count);
        var timings = new RequestTimings();
        var result = await model.RerankAsync(query, inputs, request.Truncate ?? state.Options.AutoTruncate, direction, timings, context.RequestAborted);
        var ranks = result.Outputs
            .Select((logit, i) => new Rank(i, request.ReturnText ? texts[i] : null, request.RawScores ? logit : CrossEncoder.Sigmoid(logit)))
            .OrderByDescending(rank => rank.Score).ThenBy(rank => rank.Index).ToArray();
        state.Metrics.RequestSucceeded(batch: true, timings, result.Tokens);
        RequestChecks.TimingHeaders(context, timings, result.Tokens, query.Length * texts.Count + RequestChecks.Characters(inputs));
        await Responses.WriteAsync(context, ranks, ServerJson.Context.RankArray);
    }

    private static async Task Similarity(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.SimilarityRequest, state.Options.PayloadLimit);
        var source = request.Inputs?.SourceSentence ?? throw ApiException.Invalid("missing field `inputs.source_sentence`", "inputs");
        var sentences = request.Inputs.Sentences ?? throw ApiException.Invalid("missing field `inputs.sentences`", "inputs");
        state.Metrics.RequestStarted(batch: true);
        if (sentences.Count == 0) throw ApiException.Empty("`inputs.sentences` cannot be empty", "inputs");
        var model = state.Catalog.Get(modelName);
        RequestChecks.BatchSize(state.Options, sentences.Count + 1);
        var parameters = request.Parameters ?? new SimilarityParameters();
        var direction = RequestChecks.TruncationDirection(parameters.TruncationDirection);
        var inputs = sentences.Prepend(source)
            .Select(text => new ModelInput(text ?? throw ApiException.Invalid("`inputs.sentences` holds a null", "inputs"), null)).ToArray();
        using var admission = RequestChecks.Admit(model, inputs.Length);
        var timings = new RequestTimings();
        var options = new TextOptions(parameters.Truncate ?? state.Options.AutoTruncate, parameters.PromptName, Normalize: true, direction);
        var result = await model.EmbedAsync(inputs, options, timings, context.RequestAborted);
        var scores = result.Outputs.Skip(1).Select(vector => Cosine(result.Outputs[0], vector)).ToArray();
        state.Metrics.RequestSucceeded(batch: true, timings, result.Tokens);
        await Responses.WriteAsync(context, scores, ServerJson.Context.SingleArray);
    }

    private static async Task Tokenize(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.TokenizeRequest, state.Options.PayloadLimit);
        var texts = InputParser.ParseTexts(request.Inputs, "inputs");
        var model = state.Catalog.Get(modelName);
        RequestChecks.BatchSize(state.Options, texts.Length);
        string prompt = "";
        if (request.PromptName is { } name && !model.Prompts.TryGetValue(name, out prompt!))
            throw ApiException.Invalid($"prompt '{name}' is not defined by model {model.Name}", "prompt_name");
        var vocabulary = model.Vocabulary;
        var offsets = (ITokenOffsets)model.Tokenizer;
        var tokens = texts.Select(text =>
        {
            string encoded = prompt + text;
            var utf8 = new Utf8Offsets(encoded);
            return offsets.EncodeWithOffsets(encoded, request.AddSpecialTokens).Select(token => token.Special
                ? new SimpleToken(token.Id, vocabulary.Token(token.Id), true, null, null)
                : new SimpleToken(token.Id, encoded[token.Start..token.End], false, utf8.Of(token.Start), utf8.Of(token.End))).ToArray();
        }).ToArray();
        await Responses.WriteAsync(context, tokens, ServerJson.Context.SimpleTokenArrayArray);
    }

    /// <summary>UTF-16 index → UTF-8 byte offset in one string (TEI's offsets are Rust byte offsets).</summary>
    private sealed class Utf8Offsets(string text)
    {
        private readonly int[] _bytes = Prefix(text);

        public int Of(int index) => _bytes[index];

        private static int[] Prefix(string text)
        {
            var bytes = new int[text.Length + 1];
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                // a surrogate pair is 4 bytes: 2 counted on each half; a lone surrogate is written as U+FFFD (3 bytes)
                int size = c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c)
                    ? (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) || (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1])) ? 2 : 3
                    : 3;
                bytes[i + 1] = bytes[i] + size;
            }
            return bytes;
        }
    }

    private static async Task Decode(HttpContext context, ServerState state, string? modelName)
    {
        var request = await RequestBody.ReadAsync(context, ServerJson.Context.DecodeRequest, state.Options.PayloadLimit);
        var lists = InputParser.ParseIdLists(request.Ids, "ids");
        var model = state.Catalog.Get(modelName);
        RequestChecks.BatchSize(state.Options, lists.Length);
        var vocabulary = model.Vocabulary;
        var special = model.Tokenizer.SpecialIds;
        var texts = lists.Select(ids =>
        {
            foreach (int id in ids)
                if (!vocabulary.Contains(id)) throw new ApiException(ErrorType.Tokenizer, $"Tokenization error: token id {id} is not in the vocabulary", "tokenization", "ids");
            return vocabulary.Decode(request.SkipSpecialTokens ? ids.Where(id => !special.Contains(id)) : ids);
        }).ToArray();
        await Responses.WriteAsync(context, texts, ServerJson.Context.StringArray);
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : (float)(dot / Math.Sqrt(na * nb));
    }
}
