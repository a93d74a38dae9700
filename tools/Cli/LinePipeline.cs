using System.CommandLine;
using EmbedRt.Cli.Commands;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;

namespace EmbedRt.Cli;

/// <summary>
/// The streaming loop every command runs: JSON Lines from stdin are read and parsed on a background thread,
/// handed out in rounds of at most one batch, processed, and written in input order; stdout is flushed whenever
/// the next line has not arrived yet. Memory is bounded by the round, not by the input, and a pipeline sees each
/// answer while its input is still open. On a bad line, the lines before it have been written.
/// </summary>
internal static class LinePipeline
{
    public static void Run<T>(ParseResult result, CommonOptions common, int roundSize, Func<JsonLine, T> parse,
        Action<IReadOnlyList<Numbered<T>>, JsonLinesOutput> process)
    {
        var shard = result.GetValue(common.Shard);
        var reader = new JsonLinesReader(StandardInput.Open(), shard is null ? null : shard.Includes);
        using var input = new InputQueue<T>(reader, parse, capacity: 2 * roundSize);
        using var output = JsonLinesOutput.StandardOutput();
        var progress = Progress.ForStandardError();
        try
        {
            var round = new List<Numbered<T>>(roundSize);
            while (input.TakeRound(round, roundSize, output.Flush))
            {
                process(round, output);
                progress.Add(round.Count);
            }
            output.Flush();
        }
        finally
        {
            progress.Clear();
        }
    }
}
