using System.CommandLine;
using EmbedRt.Cli.Commands;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;
using EmbedRt.Loader;

namespace EmbedRt.Cli;

/// <summary>
/// Runs a command body and turns every failure into one line on stderr and an exit code (the README's table);
/// the stack trace is printed only with --verbose.
/// </summary>
internal static class CommandRunner
{
    public const int Success = 0;
    public const int BadModel = 2;
    public const int BadInput = 3;
    public const int BadArgument = 4;
    public const int OutputFailed = 5;
    public const int InternalError = 70;

    public static int Run(ParseResult result, CommonOptions common, Action body)
    {
        try
        {
            body();
            return Success;
        }
        catch (Exception e)
        {
            var (code, message) = e switch
            {
                ModelFormatException => (BadModel, e.Message),
                InputException => (BadInput, e.Message),
                OutputException => (OutputFailed, e.Message),
                ArgumentException argument => (BadArgument, ArgumentMessage(argument)),
                IOException or UnauthorizedAccessException => (BadModel, e.Message),
                _ => (InternalError, $"internal error: {e.GetType().Name}: {e.Message}"),
            };
            Fail(message);
            if (result.GetValue(common.Verbose)) Console.Error.WriteLine(e);
            return code;
        }
    }

    /// <summary>
    /// An argument error in command-line terms: .NET's " (Parameter 'x') Actual value was v." tail names a library
    /// parameter, which means nothing here, so it goes; a library option the command line sets is named as its option.
    /// </summary>
    private static string ArgumentMessage(ArgumentException e)
    {
        string message = e.Message;
        int tail = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (tail >= 0) message = message[..tail];
        string? option = e.ParamName switch
        {
            nameof(EmbeddingOptions.MaxLength) => "--max-length",
            nameof(EmbeddingOptions.Device) => "--device",
            nameof(EmbeddingOptions.Precision) => "--precision",
            _ => null,
        };
        return option is null || message.Contains(option, StringComparison.Ordinal) ? message : $"{option}: {message}";
    }

    /// <summary>The one stderr line of a failed run.</summary>
    public static void Fail(string message) => Console.Error.WriteLine($"embedrt: {message.ReplaceLineEndings(" ")}");
}
