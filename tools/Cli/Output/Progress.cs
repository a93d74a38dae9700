using System.Diagnostics;

namespace EmbedRt.Cli.Output;

/// <summary>
/// A one-line progress display on stderr (lines done and the rate), redrawn in place at most twice a second and
/// only after the run has lasted a moment; shown only when stderr is a terminal, so logs and pipes stay clean.
/// </summary>
internal sealed class Progress(TextWriter? terminal, Func<TimeSpan> clock)
{
    private static readonly TimeSpan s_delay = TimeSpan.FromSeconds(1), s_interval = TimeSpan.FromSeconds(0.5);

    private long _lines;
    private TimeSpan _lastDrawn = TimeSpan.MinValue;
    private int _drawnWidth;

    /// <summary>Draws on stderr when it is a terminal; otherwise does nothing.</summary>
    public static Progress ForStandardError()
    {
        var watch = Stopwatch.StartNew();
        return new Progress(Console.IsErrorRedirected ? null : Console.Error, () => watch.Elapsed);
    }

    public void Add(int lines)
    {
        _lines += lines;
        if (terminal is null) return;
        var now = clock();
        if (now < s_delay || now - _lastDrawn < s_interval) return;
        _lastDrawn = now;
        string text = $"embedrt: {_lines:N0} lines, {_lines / now.TotalSeconds:N0} lines/s, {now:hh\\:mm\\:ss}";
        terminal.Write("\r" + text.PadRight(_drawnWidth));
        _drawnWidth = text.Length;
        terminal.Flush();
    }

    /// <summary>Erases the progress line so that what follows on stderr starts clean.</summary>
    public void Clear()
    {
        if (terminal is null || _drawnWidth == 0) return;
        terminal.Write("\r" + new string(' ', _drawnWidth) + "\r");
        terminal.Flush();
        _drawnWidth = 0;
    }
}
