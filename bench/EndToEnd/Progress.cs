using System.Diagnostics;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>Progress lines on stderr (stdout stays clean), prefixed with elapsed time and the current stage.</summary>
internal sealed class Progress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public string Stage { get; set; } = "";

    public void Report(string message) =>
        Console.Error.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}] {Stage}{(Stage.Length > 0 ? " " : "")}{message}");
}
