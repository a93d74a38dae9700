using System.CommandLine;
using EmbedRt.Loader;
using EmbedRt.Loader.Hub;

namespace EmbedRt.Cli.Commands;

/// <summary>Options several commands take, and their translation into library options.</summary>
internal static class SharedOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder in Hugging Face / sentence-transformers layout, or a Hugging Face id (ORG/NAME) " +
            "found in the Hugging Face cache and downloaded into it if missing",
        Required = true,
    };

    /// <summary>--revision, for every command (added once to the root command).</summary>
    public static Option<string?> Revision { get; } = new("--revision")
    {
        Description = "Branch, tag or commit of a Hugging Face model id (default: main)",
        Recursive = true,
    };

    /// <summary>--offline, for every command (added once to the root command); HF_HUB_OFFLINE=1 does the same.</summary>
    public static Option<bool> Offline { get; } = new("--offline")
    {
        Description = "Use only the Hugging Face cache, never the network (as HF_HUB_OFFLINE=1)",
        Recursive = true,
    };

    public static void AddGlobalOptions(RootCommand root)
    {
        root.Options.Add(Revision);
        root.Options.Add(Offline);
    }

    /// <summary>
    /// The folder a --model value names: a folder as given, or a hub id resolved through the Hugging Face cache
    /// (HF_HOME, HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE honoured), with a progress bar on stderr when it
    /// is a terminal. Every command that loads a model calls this, the server included.
    /// </summary>
    public static string ResolveModel(ParseResult result, Option<string> model) => ResolveModel(result, result.GetValue(model)!);

    /// <inheritdoc cref="ResolveModel(ParseResult, Option{string})"/>
    public static string ResolveModel(ParseResult result, string model)
    {
        var options = HubOptions.FromEnvironment();
        options = options with
        {
            Offline = options.Offline || result.GetValue(Offline),
            Progress = Console.IsErrorRedirected ? null : new DownloadProgressBar(),
            Warning = message => Console.Error.WriteLine($"embedrt: warning: {message}"),
        };
        return ModelSource.Resolve(model, result.GetValue(Revision), options);
    }

    public static Option<int?> MaxLength(string description) => new("--max-length") { Description = description };

    public static Option<bool> Verbose() => new("--verbose") { Description = "Print stack traces with errors" };

    public static Option<int> BatchSize() => new("--batch-size") { Description = "Inputs per forward pass", DefaultValueFactory = _ => 32 };

    public static Option<int?> Threads() => new("--threads") { Description = "Kernel threads (default: all cores)" };

    public static Option<bool> Keep16Bit() => new("--keep-16bit")
    {
        Description = "Keep F16/BF16 weights 16-bit in memory (about half the memory; widened inside the kernels)",
    };

    public static WeightPrecision ToPrecision(bool keep16Bit) => keep16Bit ? WeightPrecision.Stored : WeightPrecision.Float32;

    public static Option<string> LongInputs()
    {
        var option = new Option<string>("--long-inputs")
        {
            Description = "Inputs over the max length: truncate (default), error, or chunk-mean (average of windows; embed only)",
            DefaultValueFactory = _ => "truncate",
        };
        option.AcceptOnlyFromAmong("truncate", "error", "chunk-mean");
        return option;
    }

    public static LongInputPolicy ToPolicy(string value) => value switch
    {
        "error" => LongInputPolicy.Error,
        "chunk-mean" => LongInputPolicy.ChunkMean,
        _ => LongInputPolicy.Truncate,
    };
}
