using System.Diagnostics;

namespace EmbedRt.Cli.Tests;

/// <summary>Runs the built embedrt CLI as a separate process, the way users and acceptance checks do.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StdoutLines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "embedrt.dll");

    public static Result Run(string stdin, params string[] args) => Run(StartInfo("dotnet", [Dll, .. args]), System.Text.Encoding.UTF8.GetBytes(stdin), args);

    /// <summary>Runs embedrt on raw input bytes (invalid UTF-8 included).</summary>
    public static Result Run(byte[] stdin, params string[] args) => Run(StartInfo("dotnet", [Dll, .. args]), stdin, args);

    /// <summary>Runs embedrt through /bin/sh with <paramref name="redirections"/> (like "&lt;&amp;-" or "&gt;/dev/full") applied to it.</summary>
    public static Result RunWithRedirections(string stdin, string redirections, params string[] args)
    {
        string command = "exec dotnet " + string.Join(' ', new[] { Dll }.Concat(args).Select(Quote)) + " " + redirections;
        return Run(StartInfo("/bin/sh", ["-c", command]), System.Text.Encoding.UTF8.GetBytes(stdin), args);
    }

    /// <summary>Starts embedrt with stdin left open, for tests that talk to it line by line.</summary>
    public static Process Start(params string[] args) => Process.Start(StartInfo("dotnet", [Dll, .. args]))!;

    private static Result Run(ProcessStartInfo start, byte[] stdin, string[] args)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the command does not read stdin (closed by the redirections)
        }
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("embedrt did not finish in 2 minutes: " + string.Join(' ', args));
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    private static string Quote(string arg) => "'" + arg.Replace("'", "'\\''") + "'";
}
