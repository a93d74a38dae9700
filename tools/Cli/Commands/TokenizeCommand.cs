using System.CommandLine;
using EmbedRt.Tokenization;

namespace EmbedRt.Cli.Commands;

/// <summary>
/// embedrt tokenize: JSON Lines in, one {"ids": [...], "type_ids": [...]} per input out, special tokens added.
/// Needs only the tokenizer files of the folder.
/// </summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = SharedOptions.Model();
        var maxLength = SharedOptions.MaxLength("Truncate to at most N tokens, special tokens included (no truncation by default)");
        var verbose = SharedOptions.Verbose();
        var command = new Command("tokenize",
            "Tokenize JSON Lines from stdin (each line a JSON string or {\"text\": ..., \"pair\": ...}) exactly like Hugging Face; " +
            "writes {\"ids\": [...], \"type_ids\": [...]} per line.")
        {
            model, maxLength, verbose,
        };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            int? limit = result.GetValue(maxLength);
            if (limit is < 1) throw new ArgumentException($"--max-length must be positive, got {limit}");
            var tokenizer = TextTokenizer.Load(SharedOptions.ResolveModel(result, model));
            var inputs = JsonLinesInput.ReadTexts(JsonLinesInput.StandardInput());
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            foreach (var input in inputs)
            {
                var encoding = tokenizer.Encode(input.Text, input.Pair, limit);
                var writer = output.Writer;
                writer.WriteStartObject();
                writer.WritePropertyName("ids");
                JsonLinesOutput.WriteInts(writer, encoding.Ids);
                writer.WritePropertyName("type_ids");
                JsonLinesOutput.WriteInts(writer, encoding.TypeIds);
                writer.WriteEndObject();
                output.EndLine();
            }
            return 0;
        }));
        return command;
    }
}
