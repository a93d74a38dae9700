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
            ServeCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
