using System.CommandLine;
using System.Runtime.CompilerServices;
using EmbedRt.Loader;
using EmbedRt.Loader.Hub;
using EmbedRt.Devices;

namespace EmbedRt.Cli.Commands;

/// <summary>
/// Options several commands take, each defined once with its validation, and their translation into library
/// options. A new option for every model command goes into <see cref="ModelOptions"/> (declared, added in
/// <see cref="ModelOptions.AddTo"/>, mapped in <see cref="ModelOptions.ToEmbeddingOptions"/>); one for every
/// command into <see cref="CommonOptions"/>.
/// </summary>
internal static class SharedOptions
{
    /// <summary>Largest --batch-size: beyond it a batch's buffers alone would take gigabytes.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>Largest --threads: four kernel threads per logical core already only adds contention.</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

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

    public static Option<int?> MaxLength(string description) =>
        InRange(new Option<int?>("--max-length") { Description = description }, 1, int.MaxValue);

    public static Option<bool> Verbose() => new("--verbose") { Description = "Print stack traces with errors" };

    public static Option<int> BatchSize() => InRange(new Option<int>("--batch-size")
    {
        Description = $"Inputs per forward pass, 1 to {MaxBatchSize}; input is read, embedded and written one batch at a time",
        DefaultValueFactory = _ => 32,
    }, 1, MaxBatchSize);

    public static Option<int?> Threads() => InRange(new Option<int?>("--threads")
    {
        Description = "Kernel threads, 1 to 4 × the logical cores (default: all cores)",
    }, 1, MaxThreads);

    public static Option<bool> Keep16Bit() => new("--keep-16bit")
    {
        Description = "Keep F16/BF16 weights 16-bit in memory (about half the memory; widened inside the kernels)",
    };

    public static Option<Shard?> ShardOption() => new("--shard")
    {
        Description = "Process only shard I of N (0-based I): input lines I+1, I+1+N, I+1+2N, … — for Kubernetes Indexed Jobs",
        CustomParser = result => Shard.TryParse(result.Tokens.Single().Value, out var shard, out string? error)
            ? shard
            : Fail<Shard?>(result, error),
    };

    public static Option<int?> Dimensions() => InRange(new Option<int?>("--dimensions")
    {
        Description = "Keep the first N dimensions (Matryoshka truncation; renormalized when the vectors are normalized)",
    }, 1, int.MaxValue);

    public static Option<string> OutputFormat()
    {
        var option = new Option<string>("--output")
        {
            Description = "float (default); int8 / uint8 (per-vector scale); binary / ubinary (packed sign bits, as sentence-transformers); " +
                          "base64 (little-endian float32, as OpenAI's encoding_format)",
            DefaultValueFactory = _ => "float",
        };
        option.AcceptOnlyFromAmong("float", "int8", "uint8", "binary", "ubinary", "base64");
        return option;
    }

    public static WeightPrecision ToPrecision(bool keep16Bit) => keep16Bit ? WeightPrecision.Stored : WeightPrecision.Float32;

    public static Option<string> Precision() => new("--precision")
    {
        Description = "Number format of the encoder's linear layers: fp32 (default), bf16 (half the weight memory), " +
                      "int8 (a quarter; int8 dot products on CPUs with VNNI)",
        DefaultValueFactory = _ => "fp32",
        CustomParser = result => result.Tokens.Single().Value is ("fp32" or "bf16" or "int8") and var value
            ? value
            : Fail<string>(result, $"--precision must be fp32, bf16 or int8, got '{result.Tokens.Single().Value}'"),
    };

    public static ComputePrecision ToComputePrecision(string value) => value switch
    {
        "bf16" => ComputePrecision.BFloat16,
        "int8" => ComputePrecision.Int8,
        _ => ComputePrecision.Float32,
    };

    public static Option<string> LongInputs(string description)
    {
        var option = new Option<string>("--long-inputs") { Description = description, DefaultValueFactory = _ => "truncate" };
        option.AcceptOnlyFromAmong("truncate", "error", "chunk-mean");
        return option;
    }

    /// <summary>--truncation-direction: which end of a too-long input loses its tokens.</summary>
    public static Option<string> TruncationDirection()
    {
        var option = new Option<string>("--truncation-direction")
        {
            Description = "Which end truncation cuts: right (default, keeps the beginning) or left (keeps the end); " +
                          "pairs lose tokens longest first, each text from this end",
            DefaultValueFactory = _ => "right",
        };
        option.AcceptOnlyFromAmong("right", "left");
        return option;
    }

    public static TruncationDirection ToTruncationDirection(string value) =>
        value == "left" ? EmbedRt.TruncationDirection.Left : EmbedRt.TruncationDirection.Right;

    public static LongInputPolicy ToPolicy(string value) => value switch
    {
        "error" => LongInputPolicy.Error,
        "chunk-mean" => LongInputPolicy.ChunkMean,
        _ => LongInputPolicy.Truncate,
    };

    /// <summary>--device: which device runs the encoder.</summary>
    public static Option<string> Device()
    {
        var option = new Option<string>("--device")
        {
            Description = "auto (CUDA when usable, else CPU), cpu, cuda, or cpu-sim (the CUDA kernels on ILGPU's CPU simulator: very slow, for checking them without a GPU)",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "cpu", "cuda", "cpu-sim");
        return option;
    }

    /// <summary>
    /// The device --device names; null for the CPU. ILGPU is reached only where dynamic code runs, so the AOT
    /// build trims it away: there, auto means the CPU and cuda / cpu-sim are refused.
    /// </summary>
    public static IEncoderDevice? ToDevice(string value, bool verbose)
    {
        if (value == "cpu") return null;
        if (RuntimeFeature.IsDynamicCodeSupported) return DeviceSelection.Select(value, verbose);
        if (value == "auto") return null;
        throw new ArgumentException($"--device {value} needs the JIT build of embedrt: ILGPU cannot run under NativeAOT");
    }

    /// <summary>--device auto runs on the CPU a model the device it found cannot run (a head size, a quantized precision).</summary>
    public static bool FallsBackToCpu(string device) => device == "auto";

    /// <summary>
    /// Parses the option's integer and checks its range; a bad value is reported like any other argument error
    /// (exit 4, one line naming the option).
    /// </summary>
    private static Option<T> InRange<T>(Option<T> option, int min, int max)
    {
        option.CustomParser = result =>
        {
            string text = result.Tokens.Single().Value;
            string range = max == int.MaxValue ? $"at least {min}" : $"from {min} to {max}";
            string why = option.Name == "--threads" ? $" (4 × the {Environment.ProcessorCount} logical cores here)" : "";
            if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int value))
                return Fail<T>(result, $"{option.Name} must be a whole number {range}{why}, got '{text}'");
            if (value < min || value > max) return Fail<T>(result, $"{option.Name} must be {range}{why}, got {value}");
            return (T)(object)value;
        };
        return option;
    }

    private static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string? error)
    {
        result.AddError(error!);
        return default!;
    }
}

/// <summary>Options every command takes.</summary>
internal sealed class CommonOptions
{
    public Option<bool> Verbose { get; } = SharedOptions.Verbose();

    public Option<Shard?> Shard { get; } = SharedOptions.ShardOption();

    public void AddTo(Command command)
    {
        command.Options.Add(Shard);
        command.Options.Add(Verbose);
    }
}

/// <summary>Options every command that loads a model takes, and the library options they make.</summary>
internal sealed class ModelOptions(string maxLengthDescription, string? longInputsDescription)
{
    public Option<string> Model { get; } = SharedOptions.Model();

    public Option<int?> MaxLength { get; } = SharedOptions.MaxLength(maxLengthDescription);

    /// <summary>--long-inputs, for the commands that have a choice.</summary>
    public Option<string>? LongInputs { get; } = longInputsDescription is null ? null : SharedOptions.LongInputs(longInputsDescription);

    public Option<string> TruncationDirection { get; } = SharedOptions.TruncationDirection();

    public Option<int> BatchSize { get; } = SharedOptions.BatchSize();

    public Option<int?> Threads { get; } = SharedOptions.Threads();

    public Option<bool> Keep16Bit { get; } = SharedOptions.Keep16Bit();

    public Option<string> Device { get; } = SharedOptions.Device();

    public Option<string> Precision { get; } = SharedOptions.Precision();

    public CommonOptions Common { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(MaxLength);
        if (LongInputs is not null) command.Options.Add(LongInputs);
        command.Options.Add(TruncationDirection);
        command.Options.Add(BatchSize);
        command.Options.Add(Threads);
        command.Options.Add(Keep16Bit);
        command.Options.Add(Device);
        command.Options.Add(Precision);
        Common.AddTo(command);
    }

    public EmbeddingOptions ToEmbeddingOptions(ParseResult result) => new()
    {
        MaxLength = result.GetValue(MaxLength),
        LongInputs = LongInputs is null ? LongInputPolicy.Truncate : SharedOptions.ToPolicy(result.GetValue(LongInputs)!),
        TruncationDirection = SharedOptions.ToTruncationDirection(result.GetValue(TruncationDirection)!),
        BatchSize = result.GetValue(BatchSize),
        Threads = result.GetValue(Threads),
        Weights = SharedOptions.ToPrecision(result.GetValue(Keep16Bit)),
        Device = SharedOptions.ToDevice(result.GetValue(Device)!, result.GetValue(Common.Verbose)),
        DeviceFallback = SharedOptions.FallsBackToCpu(result.GetValue(Device)!),
        Precision = SharedOptions.ToComputePrecision(result.GetValue(Precision)!),
    };

    /// <summary>With --verbose, says what runs the loaded model (the CPU when --device auto's device cannot).</summary>
    public void ReportKernels(ParseResult result, string kernelName)
    {
        if (result.GetValue(Common.Verbose)) Console.Error.WriteLine($"embedrt: the model runs on {kernelName}");
    }
}
