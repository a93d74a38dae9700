using System.Diagnostics;

namespace EmbedRt.Bench.Serve;

/// <summary>`embedrt serve` as a child process on loopback: started, waited for (/health 200), sampled for RSS, stopped.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }

    public static async Task<ServerProcess> StartAsync(string cli, string arguments, int port, HttpClient http)
    {
        var start = new ProcessStartInfo("dotnet", $"{cli} serve --hostname 127.0.0.1 --port {port} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + cli);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("server: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, port);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited) throw new InvalidOperationException($"the server exited with code {process.ExitCode}");
            try
            {
                using var response = await http.GetAsync(server.Url + "/health");
                if (response.IsSuccessStatusCode) return server;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        server.Dispose();
        throw new TimeoutException("the server did not become ready in 3 minutes");
    }

    /// <summary>Resident set size of the server in MiB (VmRSS).</summary>
    public double RssMiB()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
        return double.NaN;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
