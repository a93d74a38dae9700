using System.CommandLine;
using System.Runtime.CompilerServices;
using EmbedRt.Devices;

namespace EmbedRt.Cli.Commands;

/// <summary>Options several commands take, and their translation into library options.</summary>
internal static class SharedOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder in Hugging Face / sentence-transformers layout",
        Required = true,
    };

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

    /// <summary>--device, one instance shared by every command that runs a model.</summary>
    public static readonly Option<string> Device = CreateDevice();

    private static Option<string> CreateDevice()
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
    public static IEncoderDevice? ToDevice(ParseResult result)
    {
        string value = result.GetValue(Device) ?? "auto";
        if (value == "cpu") return null;
        if (RuntimeFeature.IsDynamicCodeSupported) return DeviceSelection.Select(value, result.GetValue<bool>("--verbose"));
        if (value == "auto") return null;
        throw new ArgumentException($"--device {value} needs the JIT build of embedrt: ILGPU cannot run under NativeAOT");
    }
}
