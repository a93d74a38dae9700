using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Aot.Tests;

/// <summary>
/// Publishes the NativeAOT binary once for the test class with tools/publish.sh, as users build it: only the
/// flavour this machine runs (x86-64-v4 with AVX-512, v3 with AVX2, else v2) to keep CI short.
/// </summary>
public sealed class PublishedBinary
{
    public PublishedBinary()
    {
        Flavour = "";
        Path_ = Log = "";
        if (!Supported) return;
        Flavour = Vector512.IsHardwareAccelerated ? "v4" : Vector256.IsHardwareAccelerated ? "v3" : "v2";
        var script = Path.Combine(RepoRoot, "tools", "publish.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { script, "linux-x64", Flavour }) start.ArgumentList.Add(arg);
        start.Environment["PUBLISH_OUT"] = Path.Combine(RepoRoot, "artifacts", "test-publish", "linux-x64"); // leave users' artifacts/publish alone
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("tools/publish.sh did not finish in 15 minutes");
        }
        PublishSeconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tools/publish.sh failed ({process.ExitCode}):\n{stderr.Result}\n{stdout.Result}");
        Path_ = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        Log = stderr.Result;
    }

    public static bool Supported => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    public string Flavour { get; }

    /// <summary>The binary tools/publish.sh printed on its last line.</summary>
    public string Path_ { get; }

    public string Log { get; }

    public double PublishSeconds { get; }

    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "tools", "publish.sh"))) return dir.FullName;
        throw new DirectoryNotFoundException("tools/publish.sh not found above " + AppContext.BaseDirectory);
    }
}
