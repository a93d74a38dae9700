using System.CommandLine;

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
        Description = "Model folder in Hugging Face / sentence-transformers layout",
        Required = true,
    };

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

    public static LongInputPolicy ToPolicy(string value) => value switch
    {
        "error" => LongInputPolicy.Error,
        "chunk-mean" => LongInputPolicy.ChunkMean,
        _ => LongInputPolicy.Truncate,
    };

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

    public Option<int> BatchSize { get; } = SharedOptions.BatchSize();

    public Option<int?> Threads { get; } = SharedOptions.Threads();

    public Option<bool> Keep16Bit { get; } = SharedOptions.Keep16Bit();

    public Option<string> Precision { get; } = SharedOptions.Precision();

    public CommonOptions Common { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(MaxLength);
        if (LongInputs is not null) command.Options.Add(LongInputs);
        command.Options.Add(BatchSize);
        command.Options.Add(Threads);
        command.Options.Add(Keep16Bit);
        command.Options.Add(Precision);
        Common.AddTo(command);
    }

    public EmbeddingOptions ToEmbeddingOptions(ParseResult result) => new()
    {
        MaxLength = result.GetValue(MaxLength),
        LongInputs = LongInputs is null ? LongInputPolicy.Truncate : SharedOptions.ToPolicy(result.GetValue(LongInputs)!),
        BatchSize = result.GetValue(BatchSize),
        Threads = result.GetValue(Threads),
        Weights = SharedOptions.ToPrecision(result.GetValue(Keep16Bit)),
        Precision = SharedOptions.ToComputePrecision(result.GetValue(Precision)!),
    };
}
