using System.CommandLine;
using System.Globalization;
using EmbedRt.M3;

namespace EmbedRt.Cli.Commands;

/// <summary>The BGE-M3 commands: sparse lexical weights, ColBERT vectors, and combined pair scores.</summary>
internal static class M3Commands
{
    public static Command Sparse() => Create("sparse",
        "BGE-M3 lexical weights of JSON Lines texts from stdin: one {\"token_id\": weight} object per line.",
        (output, embedding) =>
        {
            var writer = output.Writer;
            writer.WriteStartObject();
            foreach (var (token, weight) in embedding.Sparse.OrderBy(p => p.Key))
                writer.WriteNumber(token.ToString(CultureInfo.InvariantCulture), weight);
            writer.WriteEndObject();
        });

    public static Command ColBert() => Create("colbert",
        "BGE-M3 multi-vector (ColBERT) output of JSON Lines texts from stdin: one array of normalized vectors per line.",
        (output, embedding) =>
        {
            output.Writer.WriteStartArray();
            foreach (var vector in embedding.ColBert) JsonLinesOutput.WriteFloats(output.Writer, vector);
            output.Writer.WriteEndArray();
        });

    public static Command Score()
    {
        var model = SharedOptions.Model();
        var weights = new Option<string>("--weights")
        {
            Description = "Weights of dense, sparse and ColBERT scores for the combined scores",
            DefaultValueFactory = _ => "0.4,0.2,0.4",
        };
        var (maxLength, longInputs, batchSize, threads, keep16Bit, verbose) = CommonOptions();
        var command = new Command("score",
            "BGE-M3 relevance of JSON Lines {\"query\": ..., \"passage\": ...} from stdin: one object per line with " +
            "dense, lexical, colbert, sparse+dense and colbert+sparse+dense scores (FlagEmbedding's definitions).")
        {
            model, weights, maxLength, longInputs, batchSize, threads, keep16Bit, verbose, SharedOptions.Device,
        };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            var w = ParseWeights(result.GetValue(weights)!);
            using var m3 = BgeM3Model.Load(result.GetValue(model)!, Options(result, maxLength, longInputs, batchSize, threads, keep16Bit));
            var pairs = JsonLinesInput.ReadAll(JsonLinesInput.StandardInput(), line =>
            {
                line.ExpectObject("an object with \"query\" and \"passage\"", "query", "passage");
                return (Query: line.RequiredString("query"), Passage: line.RequiredString("passage"));
            });
            var embeddings = m3.Encode(pairs.SelectMany(p => new[] { p.Query, p.Passage }).ToArray());
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            for (int i = 0; i < pairs.Count; i++)
            {
                var scores = M3Scoring.Score(embeddings[2 * i], embeddings[2 * i + 1], w);
                var writer = output.Writer;
                writer.WriteStartObject();
                writer.WriteNumber("dense", scores.Dense);
                writer.WriteNumber("lexical", scores.Lexical);
                writer.WriteNumber("colbert", scores.ColBert);
                writer.WriteNumber("sparse+dense", scores.SparseDense);
                writer.WriteNumber("colbert+sparse+dense", scores.ColBertSparseDense);
                writer.WriteEndObject();
                output.EndLine();
            }
            return 0;
        }));
        return command;
    }

    private static Command Create(string name, string description, Action<JsonLinesOutput, M3Embedding> write)
    {
        var model = SharedOptions.Model();
        var (maxLength, longInputs, batchSize, threads, keep16Bit, verbose) = CommonOptions();
        var command = new Command(name, description) { model, maxLength, longInputs, batchSize, threads, keep16Bit, verbose, SharedOptions.Device };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            using var m3 = BgeM3Model.Load(result.GetValue(model)!, Options(result, maxLength, longInputs, batchSize, threads, keep16Bit));
            var inputs = JsonLinesInput.ReadAll(JsonLinesInput.StandardInput(), line =>
            {
                if (line.Root.ValueKind == System.Text.Json.JsonValueKind.String) return line.Root.GetString()!;
                line.ExpectObject("a JSON string or an object with \"text\"", "text");
                return line.RequiredString("text");
            });
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            foreach (var embedding in m3.Encode(inputs))
            {
                write(output, embedding);
                output.EndLine();
            }
            return 0;
        }));
        return command;
    }

    private static (Option<int?>, Option<string>, Option<int>, Option<int?>, Option<bool>, Option<bool>) CommonOptions()
    {
        var longInputs = SharedOptions.LongInputs();
        longInputs.Description = "Inputs over the max length: truncate (default) or error";
        return (SharedOptions.MaxLength("Max tokens per input, special tokens included (default: the model's max_seq_length)"),
            longInputs, SharedOptions.BatchSize(), SharedOptions.Threads(), SharedOptions.Keep16Bit(), SharedOptions.Verbose());
    }

    private static EmbeddingOptions Options(System.CommandLine.ParseResult result, Option<int?> maxLength, Option<string> longInputs,
        Option<int> batchSize, Option<int?> threads, Option<bool> keep16Bit) => new()
    {
        Weights = SharedOptions.ToPrecision(result.GetValue(keep16Bit)),
        MaxLength = result.GetValue(maxLength),
        LongInputs = SharedOptions.ToPolicy(result.GetValue(longInputs)!),
        BatchSize = result.GetValue(batchSize),
        Threads = result.GetValue(threads),
        Device = SharedOptions.ToDevice(result),
    };

    private static (double, double, double) ParseWeights(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 3 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0))
        {
            var values = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (values.Sum() > 0) return (values[0], values[1], values[2]);
        }
        throw new ArgumentException($"--weights must be three non-negative numbers with a positive sum, like 0.4,0.2,0.4; got '{text}'");
    }
}
