using EmbedRt.Loader;

namespace EmbedRt.Cli;

/// <summary>
/// Runs a command body and turns every failure into one line on stderr and an exit code;
/// the stack trace is printed only with --verbose.
/// </summary>
internal static class CommandRunner
{
    public const int BadModel = 2;
    public const int BadInput = 3;
    public const int BadArgument = 4;
    public const int InternalError = 70;

    public static int Run(bool verbose, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            var (code, message) = e switch
            {
                ModelFormatException => (BadModel, e.Message),
                InputException => (BadInput, e.Message),
                ArgumentException => (BadArgument, e.Message),
                IOException or UnauthorizedAccessException => (BadModel, e.Message),
                _ => (InternalError, $"internal error: {e.GetType().Name}: {e.Message}"),
            };
            Console.Error.WriteLine($"embedrt: {OneLine(message)}");
            if (verbose) Console.Error.WriteLine(e);
            return code;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
