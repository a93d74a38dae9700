using System.Diagnostics;
using EmbedRt.TestKit;

namespace EmbedRt.Hub.Tests;

/// <summary>The CLI's --model ORG/NAME, --offline and download command, against the fake hub, configured as users do: HF_* variables.</summary>
public sealed class CliHubTests : IDisposable
{
    private readonly FakeHub _hub = new(Fixtures.Model("bert-tiny-uncased"));
    private readonly string _home = Fixtures.TempDirectory("hf-home");

    [Fact]
    public void Download_then_embed_offline_from_the_cache()
    {
        var offlineFirst = Run("{\"text\":\"hi\"}\n", "embed", "--model", FakeHub.Repo, "--offline");
        Assert.Equal(2, offlineFirst.ExitCode);
        Assert.Contains("offline", offlineFirst.Stderr);
        Assert.Contains(FakeHub.Repo, offlineFirst.Stderr);

        var download = Run("", "download", FakeHub.Repo);
        Assert.Equal(0, download.ExitCode);
        var folder = download.Stdout.Trim();
        Assert.Equal(Path.Combine(_home, "hub", "models--test-org--tiny-bert", "snapshots", FakeHub.Commit), folder);

        _hub.Dispose();
        var offline = Run("\"hello\"\n\"world\"\n", "embed", "--model", FakeHub.Repo, "--offline");
        Assert.Equal(0, offline.ExitCode);
        var local = Run("\"hello\"\n\"world\"\n", "embed", "--model", folder);
        Assert.Equal(local.Stdout, offline.Stdout);
        Assert.Equal(2, offline.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void Hub_errors_are_one_line_with_exit_code_2()
    {
        var missing = Run("\"x\"\n", "embed", "--model", "test-org/missing");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("404", missing.Stderr);
        Assert.Single(missing.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var revision = Run("\"x\"\n", "tokenize", "--model", FakeHub.Repo, "--revision", "nope");
        Assert.Equal(2, revision.ExitCode);
        Assert.Contains("revision not found", revision.Stderr);
    }

    [Fact]
    public async Task Serve_resolves_a_hub_id_and_serves_it_under_that_name()
    {
        var offlineMissing = Run("", "serve", "--model", FakeHub.Repo, "--offline", "--port", "0");
        Assert.Equal(2, offlineMissing.ExitCode);
        Assert.Contains(FakeHub.Repo, offlineMissing.Stderr);

        Assert.Equal(0, Run("", "download", FakeHub.Repo).ExitCode);
        _hub.Dispose();
        int port = FreePort();
        using var server = Process.Start(StartInfo("serve", "--model", FakeHub.Repo, "--offline", "--port", port.ToString()))!;
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            string? info = null;
            for (var deadline = DateTime.UtcNow.AddMinutes(1); info is null && DateTime.UtcNow < deadline && !server.HasExited;)
            {
                try { info = await http.GetStringAsync("/info"); }
                catch (HttpRequestException) { await Task.Delay(200); }
            }
            Assert.NotNull(info);
            Assert.Contains($"\"{FakeHub.Repo}\"", info);
            var embedded = await http.PostAsync("/embed", new StringContent("{\"inputs\":\"hello\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.OK, embedded.StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private (int ExitCode, string Stdout, string Stderr) Run(string stdin, params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "embedrt.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in new[] { "HF_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_TOKEN_PATH", "XDG_CACHE_HOME" }) start.Environment.Remove(name);
        start.Environment["HF_HOME"] = _home;
        start.Environment["HF_ENDPOINT"] = _hub.Endpoint;
        return start;
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_home, recursive: true);
    }
}
