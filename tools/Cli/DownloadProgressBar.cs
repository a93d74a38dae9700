using System.Diagnostics;
using EmbedRt.Loader.Hub;

namespace EmbedRt.Cli;

/// <summary>A one-line download bar on stderr (only used when stderr is a terminal), redrawn at most 10 times a second.</summary>
internal sealed class DownloadProgressBar : IProgress<HubDownloadProgress>
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _file;
    private long _fileStartBytes;
    private TimeSpan _fileStart;
    private TimeSpan _lastDraw = TimeSpan.MinValue;

    public void Report(HubDownloadProgress value)
    {
        var now = _clock.Elapsed;
        if (value.File != _file)
        {
            _file = value.File;
            _fileStartBytes = value.Bytes;
            _fileStart = now;
        }
        bool done = value.Bytes == value.Total;
        if (!done && now - _lastDraw < TimeSpan.FromMilliseconds(100)) return;
        _lastDraw = now;
        double seconds = Math.Max((now - _fileStart).TotalSeconds, 1e-3);
        double rate = (value.Bytes - _fileStartBytes) / seconds;
        double fraction = value.Total > 0 ? Math.Clamp((double)value.Bytes / value.Total, 0, 1) : 0;
        int filled = (int)(fraction * Width);
        Console.Error.Write($"\r{value.File,-28} [{new string('#', filled)}{new string('.', Width - filled)}] " +
            $"{Mib(value.Bytes)}/{Mib(value.Total)} MiB {rate / (1 << 20),6:F1} MiB/s ");
        if (done) Console.Error.WriteLine();
    }

    private static string Mib(long bytes) => bytes < 0 ? "?" : (bytes / (double)(1 << 20)).ToString("F1");
}
