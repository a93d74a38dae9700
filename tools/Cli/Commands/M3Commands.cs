using System.CommandLine;
using System.Globalization;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;
using EmbedRt.M3;

namespace EmbedRt.Cli.Commands;

/// <summary>The BGE-M3 commands: sparse lexical weights, ColBERT vectors, and combined pair scores.</summary>
internal static class M3Commands
{
    private const string MaxLengthDescription = "Max tokens per input, special tokens included (default: the model's max_seq_length)";
    private const string LongInputsDescription = "Inputs over the max length: truncate (default) or error";

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
        var shared = new ModelOptions(MaxLengthDescription, LongInputsDescription);
        var weights = new Option<string>("--weights")
        {
            Description = "Weights of dense, sparse and ColBERT scores for the combined scores",
            DefaultValueFactory = _ => "0.4,0.2,0.4",
        };
        var command = new Command("score",
            "BGE-M3 relevance of JSON Lines {\"query\": ..., \"passage\": ...} from stdin: one object per line with " +
            "dense, lexical, colbert, sparse+dense and colbert+sparse+dense scores (FlagEmbedding's definitions).")
        {
            weights,
        };
        shared.AddTo(command);
        command.SetAction(result => CommandRunner.Run(result, shared.Common, () =>
        {
            var w = ParseWeights(result.GetValue(weights)!);
            var options = shared.ToEmbeddingOptions(result);
            using var m3 = BgeM3Model.Load(SharedOptions.ResolveModel(result, shared.Model), options);
            shared.ReportKernels(result, m3.KernelName);
            LinePipeline.Run(result, shared.Common, options.BatchSize, line =>
            {
                line.ExpectObject("an object with \"query\" and \"passage\"", "query", "passage");
                return (Query: line.RequiredString("query"), Passage: line.RequiredString("passage"));
            }, (round, output) =>
            {
                var texts = round.SelectMany(r => new[] { r.Value.Query, r.Value.Passage }).ToArray();
                var embeddings = LongInputs.NameLine(round, () => m3.Encode(texts), index => index / 2);
                for (int i = 0; i < round.Count; i++)
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
            });
        }));
        return command;
    }

    private static Command Create(string name, string description, Action<JsonLinesOutput, M3Embedding> write)
    {
        var shared = new ModelOptions(MaxLengthDescription, LongInputsDescription);
        var command = new Command(name, description);
        shared.AddTo(command);
        command.SetAction(result => CommandRunner.Run(result, shared.Common, () =>
        {
            var options = shared.ToEmbeddingOptions(result);
            using var m3 = BgeM3Model.Load(SharedOptions.ResolveModel(result, shared.Model), options);
            shared.ReportKernels(result, m3.KernelName);
            LinePipeline.Run(result, shared.Common, options.BatchSize, InputParsers.Text, (round, output) =>
            {
                var texts = round.Select(r => r.Value).ToArray();
                foreach (var embedding in LongInputs.NameLine(round, () => m3.Encode(texts)))
                {
                    write(output, embedding);
                    output.EndLine();
                }
            });
        }));
        return command;
    }

    private static (double, double, double) ParseWeights(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 3 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0))
        {
            var values = parts.Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            if (values.Sum() > 0) return (values[0], values[1], values[2]);
        }
        throw new ArgumentException($"--weights must be three non-negative numbers with a positive sum, like 0.4,0.2,0.4; got '{text}'");
    }
}
