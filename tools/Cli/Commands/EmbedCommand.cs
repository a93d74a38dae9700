using System.CommandLine;

namespace EmbedRt.Cli.Commands;

/// <summary>embedrt embed: JSON Lines in, one JSON array of floats per input out, in input order.</summary>
internal static class EmbedCommand
{
    /// <summary>Inputs embedded per round, so output streams and memory stays bounded on large inputs.</summary>
    private const int ChunkSize = 4096;

    public static Command Create()
    {
        var model = SharedOptions.Model();
        var pooling = new Option<string?>("--pooling") { Description = "cls or mean (default: the model's 1_Pooling config)" };
        pooling.AcceptOnlyFromAmong("cls", "mean");
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Do not L2-normalize the vectors" };
        var maxLength = SharedOptions.MaxLength("Max tokens per input, special tokens included (default: the model's max_seq_length)");
        var promptName = new Option<string?>("--prompt-name") { Description = "A prompt defined in config_sentence_transformers.json (e.g. query)" };
        var prompt = new Option<string?>("--prompt") { Description = "A literal prompt put before every text (e.g. \"query: \")" };
        var longInputs = SharedOptions.LongInputs();
        var batchSize = SharedOptions.BatchSize();
        var threads = SharedOptions.Threads();
        var keep16Bit = SharedOptions.Keep16Bit();
        var verbose = SharedOptions.Verbose();
        var command = new Command("embed",
            "Embed JSON Lines from stdin (each line a JSON string or {\"text\": ..., \"pair\": ...}); " +
            "writes one JSON array of floats per line, normalized unless --no-normalize.")
        {
            model, pooling, noNormalize, maxLength, promptName, prompt, longInputs, batchSize, threads, keep16Bit, verbose, SharedOptions.Device,
        };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            var options = new EmbeddingOptions
            {
                Pooling = result.GetValue(pooling) switch { "cls" => PoolingMode.Cls, "mean" => PoolingMode.Mean, _ => PoolingMode.FromModel },
                Normalize = !result.GetValue(noNormalize),
                MaxLength = result.GetValue(maxLength),
                LongInputs = SharedOptions.ToPolicy(result.GetValue(longInputs)!),
                BatchSize = result.GetValue(batchSize),
                Threads = result.GetValue(threads),
                Weights = SharedOptions.ToPrecision(result.GetValue(keep16Bit)),
                Device = SharedOptions.ToDevice(result),
            };
            using var embedder = EmbeddingModel.Load(result.GetValue(model)!, options);
            var inputs = JsonLinesInput.ReadTexts(JsonLinesInput.StandardInput());
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            var truncatedLines = new List<int>();
            for (int start = 0; start < inputs.Count; start += ChunkSize)
            {
                var chunk = inputs.GetRange(start, Math.Min(ChunkSize, inputs.Count - start)).Select(r => (r.Text, r.Pair)).ToArray();
                int first = start;
                var vectors = embedder.EmbedPairs(chunk, result.GetValue(promptName), result.GetValue(prompt),
                    index => truncatedLines.Add(first + index + 1));
                foreach (var vector in vectors)
                {
                    JsonLinesOutput.WriteFloats(output.Writer, vector);
                    output.EndLine();
                }
            }
            LongInputWarning.Report(truncatedLines, embedder.MaxLength);
            return 0;
        }));
        return command;
    }
}
