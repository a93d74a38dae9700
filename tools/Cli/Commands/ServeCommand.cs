using System.CommandLine;
using EmbedRt.Server;

namespace EmbedRt.Cli.Commands;

/// <summary>embedrt serve: the TEI- and OpenAI-compatible embedding server (flags and defaults as TEI's router).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServerOptions();
        var models = new Option<string[]>("--model")
        {
            Description = "Model folder or Hugging Face id (ORG/NAME, resolved as for every command) to serve; repeat for several models (the first is the default, the others are chosen by " +
                          "the request's \"model\" or the route prefix /NAME/embed …)",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var names = new Option<string[]>("--served-model-name") { Description = "Name clients use for each --model, in order (default: the hub id, or the folder name)" };
        var hostname = new Option<string>("--hostname") { Description = "Address to listen on", DefaultValueFactory = _ => defaults.Hostname };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => defaults.Port };
        var maxConcurrent = new Option<int>("--max-concurrent-requests")
        {
            Description = "Inputs admitted per model at once (queued or running); more are answered 429",
            DefaultValueFactory = _ => defaults.MaxConcurrentRequests,
        };
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "Token budget of a dynamic batch", DefaultValueFactory = _ => defaults.MaxBatchTokens };
        var maxBatchRequests = new Option<int?>("--max-batch-requests") { Description = "Most requests merged into one batch (default: no limit)" };
        var maxClientBatch = new Option<int>("--max-client-batch-size")
        {
            Description = "Most inputs in one request", DefaultValueFactory = _ => defaults.MaxClientBatchSize,
        };
        var split = new Option<bool>("--split-client-batches")
        {
            Description = "Accept bigger client batches and queue them in chunks of --max-client-batch-size instead of refusing them",
        };
        var autoTruncate = new Option<bool>("--auto-truncate") { Description = "Truncate over-long inputs when a request does not say" };
        var defaultPrompt = new Option<string?>("--default-prompt-name") { Description = "Prompt used when a request names none" };
        var payloadLimit = new Option<long>("--payload-limit") { Description = "Largest request body in bytes (413 above)", DefaultValueFactory = _ => defaults.PayloadLimit };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "Require \"Authorization: Bearer KEY\" on every route but /health and /metrics (default: $API_KEY)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("API_KEY"),
        };
        var tokenizationWorkers = new Option<int?>("--tokenization-workers") { Description = "Requests tokenized at once (default: cores)" };
        var threads = SharedOptions.Threads();
        var keep16Bit = SharedOptions.Keep16Bit();
        var precision = SharedOptions.Precision();
        var device = SharedOptions.Device();
        var common = new CommonOptions();
        var command = new Command("serve",
            "Serve models over HTTP: text-embeddings-inference's routes (/embed, /embed_sparse, /embed_all, /rerank, /similarity, " +
            "/tokenize, /decode, /info, /health, /metrics) and OpenAI's /v1/embeddings, with dynamic batching across clients.")
        {
            models, names, hostname, port, maxConcurrent, maxBatchTokens, maxBatchRequests, maxClientBatch, split, autoTruncate,
            defaultPrompt, payloadLimit, apiKey, tokenizationWorkers, threads, keep16Bit, precision, device, common.Verbose,
        };
        command.SetAction(result => CommandRunner.Run(result, common, () => Serve(new ServerOptions
        {
            Models = result.GetValue(models)!.Select(model => SharedOptions.ResolveModel(result, model)).ToArray(),
            ServedModelNames = ServedNames(result.GetValue(models)!, result.GetValue(names) ?? []),
            Hostname = result.GetValue(hostname)!,
            Port = result.GetValue(port),
            MaxConcurrentRequests = result.GetValue(maxConcurrent),
            MaxBatchTokens = result.GetValue(maxBatchTokens),
            MaxBatchRequests = result.GetValue(maxBatchRequests),
            MaxClientBatchSize = result.GetValue(maxClientBatch),
            SplitClientBatches = result.GetValue(split),
            AutoTruncate = result.GetValue(autoTruncate),
            DefaultPromptName = result.GetValue(defaultPrompt),
            PayloadLimit = result.GetValue(payloadLimit),
            ApiKey = result.GetValue(apiKey),
            TokenizationWorkers = result.GetValue(tokenizationWorkers),
            Embedding = new EmbeddingOptions
            {
                Threads = result.GetValue(threads),
                Weights = SharedOptions.ToPrecision(result.GetValue(keep16Bit)),
                Precision = SharedOptions.ToComputePrecision(result.GetValue(precision)!),
                Device = SharedOptions.ToDevice(result.GetValue(device)!, result.GetValue(common.Verbose)),
                DeviceFallback = SharedOptions.FallsBackToCpu(result.GetValue(device)!),
            },
        }).GetAwaiter().GetResult()));
        return command;
    }

    /// <summary>The given names, then for each other model its hub id (ORG/NAME), or its folder's name.</summary>
    private static string[] ServedNames(string[] models, string[] given) => models
        .Select((model, i) => i < given.Length ? given[i] : Directory.Exists(model) ? ServerOptions.DefaultServedName(model) : model)
        .ToArray();

    /// <summary>Runs until Ctrl+C / SIGTERM; a model that fails to load ends the process with the loader's error.</summary>
    private static async Task Serve(ServerOptions options)
    {
        await using var server = await EmbedServer.StartAsync(options);
        var shutdown = server.WaitForShutdownAsync();
        await Task.WhenAny(server.Ready, shutdown);
        if (server.Ready.IsFaulted) await server.Ready;
        await shutdown;
    }
}
