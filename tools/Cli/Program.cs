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
        };
        SharedOptions.AddGlobalOptions(root);
        InfoCommand.ReplaceVersionAction(root);
        return root.Parse(args).Invoke();
    }
}
