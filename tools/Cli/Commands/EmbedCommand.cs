using System.CommandLine;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;

namespace EmbedRt.Cli.Commands;

/// <summary>embedrt embed: JSON Lines in, one JSON array of floats per input out, in input order.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var shared = new ModelOptions("Max tokens per input, special tokens included (default: the model's max_seq_length)",
            "Inputs over the max length: truncate (default), error, or chunk-mean (average of windows)");
        var pooling = new Option<string?>("--pooling") { Description = "cls or mean (default: the model's 1_Pooling config)" };
        pooling.AcceptOnlyFromAmong("cls", "mean");
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Do not L2-normalize the vectors" };
        var promptName = new Option<string?>("--prompt-name") { Description = "A prompt defined in config_sentence_transformers.json (e.g. query)" };
        var prompt = new Option<string?>("--prompt") { Description = "A literal prompt put before every text (e.g. \"query: \")" };
        var dimensions = SharedOptions.Dimensions();
        var outputFormat = SharedOptions.OutputFormat();
        var command = new Command("embed",
            "Embed JSON Lines from stdin (each line a JSON string or {\"text\": ..., \"pair\": ...}); " +
            "writes one JSON array of floats per line (or what --output asks for), normalized unless --no-normalize.")
        {
            pooling, noNormalize, promptName, prompt, dimensions, outputFormat,
        };
        shared.AddTo(command);
        command.SetAction(result => CommandRunner.Run(result, shared.Common, () =>
        {
            var options = shared.ToEmbeddingOptions(result) with
            {
                Pooling = result.GetValue(pooling) switch { "cls" => PoolingMode.Cls, "mean" => PoolingMode.Mean, _ => PoolingMode.FromModel },
                Normalize = !result.GetValue(noNormalize),
            };
            using var embedder = EmbeddingModel.Load(SharedOptions.ResolveModel(result, shared.Model), options);
            shared.ReportKernels(result, embedder.KernelName);
            var formatter = VectorFormatter.Create(result.GetValue(outputFormat)!, result.GetValue(dimensions), embedder.Dimension, embedder.Normalize);
            var truncated = new TruncatedLines();
            LinePipeline.Run(result, shared.Common, options.BatchSize, InputParsers.TextOrPair, (round, output) =>
            {
                var inputs = round.Select(r => (r.Value.Text, r.Value.Pair)).ToArray();
                var vectors = LongInputs.NameLine(round, () =>
                    embedder.EmbedPairs(inputs, result.GetValue(promptName), result.GetValue(prompt), index => truncated.Add(round[index].Line)));
                foreach (var vector in vectors)
                {
                    formatter.Write(output.Writer, vector);
                    output.EndLine();
                }
            });
            truncated.Report(embedder.MaxLength);
        }));
        return command;
    }
}
