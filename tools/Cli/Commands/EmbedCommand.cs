using System.CommandLine;
using EmbedRt.Tokenization;

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
        var maxLength = SharedOptions.MaxLength("Truncate inputs to N tokens, special tokens included (default: the model's max_seq_length)");
        var batchSize = new Option<int>("--batch-size") { Description = "Inputs per forward pass", DefaultValueFactory = _ => 32 };
        var threads = new Option<int?>("--threads") { Description = "Kernel threads (default: all cores)" };
        var verbose = SharedOptions.Verbose();
        var command = new Command("embed",
            "Embed JSON Lines from stdin (each line a JSON string or {\"text\": ..., \"pair\": ...}); " +
            "writes one JSON array of floats per line, normalized unless --no-normalize.")
        {
            model, pooling, noNormalize, maxLength, batchSize, threads, verbose,
        };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            var options = new EmbeddingOptions
            {
                Pooling = result.GetValue(pooling) switch { "cls" => PoolingMode.Cls, "mean" => PoolingMode.Mean, _ => PoolingMode.FromModel },
                Normalize = !result.GetValue(noNormalize),
                MaxLength = result.GetValue(maxLength),
                BatchSize = result.GetValue(batchSize),
                Threads = result.GetValue(threads),
            };
            using var embedder = EmbeddingModel.Load(result.GetValue(model)!, options);
            var inputs = JsonLinesInput.ReadAll(JsonLinesInput.StandardInput());
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            for (int start = 0; start < inputs.Count; start += ChunkSize)
            {
                var chunk = inputs.GetRange(start, Math.Min(ChunkSize, inputs.Count - start));
                var encodings = new TokenEncoding[chunk.Count];
                for (int i = 0; i < chunk.Count; i++)
                    encodings[i] = embedder.Tokenizer.Encode(chunk[i].Text, chunk[i].Pair, embedder.MaxLength);
                foreach (var vector in embedder.Embed(encodings))
                {
                    JsonLinesOutput.WriteFloats(output.Writer, vector);
                    output.EndLine();
                }
            }
            return 0;
        }));
        return command;
    }
}
