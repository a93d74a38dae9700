using System.CommandLine;
using EmbedRt.Cli.Commands;
using EmbedRt.Cli.Native;

namespace EmbedRt.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (FlavourLauncher.RunBetterFlavour(args) is int exitCode) return exitCode;
        var root = new RootCommand("embedrt: text embeddings from Hugging Face BERT / XLM-R model folders, no Python, no ONNX")
        {
            TokenizeCommand.Create(),
            EmbedCommand.Create(),
            M3Commands.Sparse(),
            M3Commands.ColBert(),
            M3Commands.Score(),
            RerankCommand.Create(),
            InfoCommand.Create(),
            DownloadCommand.Create(),
            ServeCommand.Create(),
        };
        SharedOptions.AddGlobalOptions(root);
        InfoCommand.ReplaceVersionAction(root);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
        {
            // Argument errors are one stderr line and exit 4, like every other failure; usage stays behind --help.
            string command = parsed.CommandResult.Command == root ? "embedrt" : $"embedrt {parsed.CommandResult.Command.Name}";
            CommandRunner.Fail($"{string.Join("; ", parsed.Errors.Select(Describe))} (see '{command} --help')");
            return CommandRunner.BadArgument;
        }
        return parsed.Invoke();
    }

    /// <summary>The error in one line, naming its option when System.CommandLine's message does not.</summary>
    private static string Describe(System.CommandLine.Parsing.ParseError error)
    {
        string message = OneLine(error.Message);
        var option = error.SymbolResult switch
        {
            System.CommandLine.Parsing.OptionResult o => o.Option,
            System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option,
            _ => null,
        };
        return option is null || message.Contains(option.Name, StringComparison.Ordinal) ? message : $"{option.Name}: {message}";
    }

    /// <summary>System.CommandLine's messages can hold tabs and line breaks (lists of choices).</summary>
    private static string OneLine(string message) => string.Join(' ', message.Split((char[])['\t', '\r', '\n', ' '], StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.');
}
