using System.CommandLine;

namespace EmbedRt.Cli.Commands;

/// <summary>Options several commands take.</summary>
internal static class SharedOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Model folder in Hugging Face / sentence-transformers layout",
        Required = true,
    };

    public static Option<int?> MaxLength(string description) => new("--max-length") { Description = description };

    public static Option<bool> Verbose() => new("--verbose") { Description = "Print stack traces with errors" };
}
