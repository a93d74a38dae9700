using System.Globalization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>Command-line options of both commands (bench, verify); see <see cref="Usage"/>.</summary>
internal sealed class Options
{
    public const string Usage = """
        embedrt-e2e — EmbedRt vs ONNX Runtime, same models, same token ids.

        bench (default command): throughput/latency table
          --models-dir DIR      folder holding one generated model folder per model (default bench/.cache/models)
          --models A,B          model folder names (default bge-small,bert-base)
          --sets A,B            input sets: short, 128, 512, mixed (default all)
          --threads 1,2         intra-op threads, both engines (default 1,2)
          --batch N             batch size of the throughput rows (default 32)
          --latency-sets A,B    sets also run one input per call, batch 1 (default short; 'none' for no such rows)
          --engines ort,embedrt engines to run (default ort,embedrt; vectors of ort and embedrt are compared when both run):
                                embedrt, embedrt-bf16, embedrt-int8 (compute precision); ort, ort-sorted, ort-int8,
                                ort-int8-sorted (int8: onnx/model-int8.onnx; sorted: batches by length)
          --warmup N            untimed runs first (default 1)
          --reps N              timed runs per engine, in blocks ORT, EmbedRt, EmbedRt, ORT; medians are reported (default 5)
          --scale F             multiplies the inputs per set: short 256, 128: 128, 512: 32, mixed 128 (default 1)
          --seed N              input generator seed (default 42)
          --min-cosine F        agreement threshold; exit code 2 when a row falls below it (default 0.9999)
          --output FILE         markdown result (default bench/results/e2e-<date>.md)
          --ort-optimized DIR   also save ORT's optimized graph per model there (to inspect fusions)

        memory: peak resident memory (VmHWM) of one EmbedRt engine that loads --model and embeds 128 inputs of
          128 tokens (times --scale): --model DIR --engines embedrt|embedrt-bf16|embedrt-int8 [--threads N] [--batch N]

        verify: check engines against a float64 reference written by tools/modelgen/export_onnx.py --reference
          --model DIR --reference FILE [--engines ort,embedrt] [--threads N] [--tolerance 1e-4]
        """;

    public string Command { get; private set; } = "bench";
    public string ModelsDirectory { get; private set; } = Path.Combine("bench", ".cache", "models");
    public string[] Models { get; private set; } = ["bge-small", "bert-base"];
    public string[] Sets { get; private set; } = InputSets.Names;
    public int[] Threads { get; private set; } = [1, 2];
    public int BatchSize { get; private set; } = 32;
    public string[] LatencySets { get; private set; } = ["short"];
    public string[] Engines { get; private set; } = ["ort", "embedrt"];
    public int Warmup { get; private set; } = 1;
    public int Repetitions { get; private set; } = 5;
    public double Scale { get; private set; } = 1;
    public int Seed { get; private set; } = 42;
    public double MinCosine { get; private set; } = 0.9999;
    public string? Output { get; private set; }
    public string? OrtOptimizedDirectory { get; private set; }
    public string? Model { get; private set; }
    public string? Reference { get; private set; }
    public double Tolerance { get; private set; } = 1e-4;

    public static readonly string[] EngineNames =
        ["ort", "ort-sorted", "ort-int8", "ort-int8-sorted", "embedrt", "embedrt-bf16", "embedrt-int8"];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-')) options.Command = args[i++];
        if (options.Command is not ("bench" or "verify" or "memory")) throw new UsageException($"unknown command '{options.Command}'");
        while (i < args.Length)
        {
            string name = args[i++];
            if (name is "-h" or "--help") throw new UsageException(null);
            if (i >= args.Length) throw new UsageException($"{name} needs a value");
            string value = args[i++];
            switch (name)
            {
                case "--models-dir": options.ModelsDirectory = value; break;
                case "--models": options.Models = List(value); break;
                case "--sets": options.Sets = Known(List(value), InputSets.Names, name); break;
                case "--threads": options.Threads = List(value).Select(v => Int(v, name, 1)).ToArray(); break;
                case "--batch": options.BatchSize = Int(value, name, 1); break;
                case "--latency-sets": options.LatencySets = value == "none" ? [] : Known(List(value), InputSets.Names, name); break;
                case "--engines": options.Engines = Known(List(value), EngineNames, name); break;
                case "--warmup": options.Warmup = Int(value, name, 0); break;
                case "--reps": options.Repetitions = Int(value, name, 1); break;
                case "--scale": options.Scale = Double(value, name); break;
                case "--seed": options.Seed = Int(value, name, 0); break;
                case "--min-cosine": options.MinCosine = Double(value, name); break;
                case "--output": options.Output = value; break;
                case "--ort-optimized": options.OrtOptimizedDirectory = value; break;
                case "--model": options.Model = value; break;
                case "--reference": options.Reference = value; break;
                case "--tolerance": options.Tolerance = Double(value, name); break;
                default: throw new UsageException($"unknown option {name}");
            }
        }
        if (options.Command == "memory" && options.Model is null) throw new UsageException("memory needs --model");
        if (options.Command == "verify" && (options.Model is null || options.Reference is null))
            throw new UsageException("verify needs --model and --reference");
        return options;
    }

    private static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string[] Known(string[] values, string[] known, string option)
    {
        foreach (var v in values)
            if (!known.Contains(v)) throw new UsageException($"{option}: unknown value '{v}' (known: {string.Join(", ", known)})");
        return values;
    }

    private static int Int(string value, string option, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min
            ? n : throw new UsageException($"{option}: '{value}' is not an integer ≥ {min}");

    private static double Double(string value, string option) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d > 0
            ? d : throw new UsageException($"{option}: '{value}' is not a positive number");
}

/// <summary>Bad command line; the message (if any) is printed with the usage text.</summary>
internal sealed class UsageException(string? message) : Exception(message ?? "");
