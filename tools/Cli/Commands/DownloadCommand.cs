using System.CommandLine;
using EmbedRt.Loader.Hub;

namespace EmbedRt.Cli.Commands;

/// <summary>
/// embedrt download ORG/NAME: fills the Hugging Face cache with the files EmbedRt reads and prints the snapshot
/// folder (for init containers and air-gapped machines prepared ahead of time).
/// </summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("model") { Description = "Hugging Face model id, ORG/NAME (e.g. BAAI/bge-small-zh-v1.5)" };
        var common = new CommonOptions();
        var command = new Command("download",
            "Download a Hugging Face model's safetensors, config and tokenizer files into the Hugging Face cache " +
            "(HF_HUB_CACHE or HF_HOME/hub) and print its snapshot folder")
        {
            id,
        };
        command.Options.Add(common.Verbose); // --shard has no meaning here
        command.SetAction(result => CommandRunner.Run(result, common, () =>
        {
            var model = result.GetValue(id)!;
            HubRepoId.Parse(model); // a local folder is not something to download
            Console.WriteLine(SharedOptions.ResolveModel(result, model));
        }));
        return command;
    }
}
