using System.CommandLine;
using EmbedRt.Cli.Commands;

namespace EmbedRt.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("embedrt: text embeddings from Hugging Face BERT / XLM-R model folders, no Python, no ONNX")
        {
            TokenizeCommand.Create(),
            EmbedCommand.Create(),
            M3Commands.Sparse(),
            M3Commands.ColBert(),
            M3Commands.Score(),
            RerankCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // Argument errors are one stderr line and exit 4, like every other failure; usage stays behind --help.
            string command = parsed.CommandResult.Command == root ? "embedrt" : $"embedrt {parsed.CommandResult.Command.Name}";
            CommandRunner.Fail($"{string.Join("; ", parsed.Errors.Select(e => OneLine(e.Message)))} (see '{command} --help')");
            return CommandRunner.BadArgument;
        }
        return parsed.Invoke();
    }

    /// <summary>System.CommandLine's messages can hold tabs and line breaks (lists of choices).</summary>
    private static string OneLine(string message) => string.Join(' ', message.Split((char[])['\t', '\r', '\n', ' '], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
}
