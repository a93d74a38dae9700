using System.CommandLine;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;
using EmbedRt.Tokenization;

namespace EmbedRt.Cli.Commands;

/// <summary>
/// embedrt tokenize: JSON Lines in, one {"ids": [...], "type_ids": [...]} per input out, special tokens added.
/// Needs only the tokenizer files of the folder.
/// </summary>
internal static class TokenizeCommand
{
    /// <summary>Lines per round: tokenizing is cheap, so rounds are larger than a forward batch.</summary>
    private const int RoundSize = 256;

    public static Command Create()
    {
        var model = SharedOptions.Model();
        var maxLength = SharedOptions.MaxLength("Truncate to at most N tokens, special tokens included (no truncation by default)");
        var direction = SharedOptions.TruncationDirection();
        var common = new CommonOptions();
        var command = new Command("tokenize",
            "Tokenize JSON Lines from stdin (each line a JSON string or {\"text\": ..., \"pair\": ...}) exactly like Hugging Face; " +
            "writes {\"ids\": [...], \"type_ids\": [...]} per line.")
        {
            model, maxLength, direction,
        };
        common.AddTo(command);
        command.SetAction(result => CommandRunner.Run(result, common, () =>
        {
            int? limit = result.GetValue(maxLength);
            var cut = SharedOptions.ToTruncationDirection(result.GetValue(direction)!);
            var tokenizer = TextTokenizer.Load(SharedOptions.ResolveModel(result, model));
            var buffer = new TokenBuffer();
            LinePipeline.Run(result, common, RoundSize, InputParsers.TextOrPair, (round, output) =>
            {
                foreach (var (line, input) in round)
                {
                    try
                    {
                        if (input.Pair is null) tokenizer.Encode(input.Text, buffer, limit, cut);
                        else tokenizer.EncodePair(input.Text, input.Pair, buffer, limit, cut);
                    }
                    catch (ArgumentOutOfRangeException e) when (e.ParamName == "maxLength")
                    {
                        throw new ArgumentException($"--max-length {limit} is less than the special tokens of line {line}: {e.Message}");
                    }
                    var writer = output.Writer;
                    writer.WriteStartObject();
                    writer.WritePropertyName("ids");
                    JsonLinesOutput.WriteInts(writer, buffer.Ids);
                    writer.WritePropertyName("type_ids");
                    JsonLinesOutput.WriteInts(writer, buffer.TypeIds);
                    writer.WriteEndObject();
                    output.EndLine();
                }
            });
        }));
        return command;
    }
}
