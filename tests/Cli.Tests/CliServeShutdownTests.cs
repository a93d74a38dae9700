using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>
/// `embedrt serve` as a process, stopped by SIGTERM (what Kubernetes and systemd send) while requests run: those
/// finish with 200 and the library's vectors, later connections are refused, and the process exits 0 in time.
/// </summary>
public sealed class CliServeShutdownTests
{
    [Fact]
    public async Task Sigterm_lets_running_requests_finish_and_exits()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return; // SIGTERM via kill(1)
        string model = Fixtures.Model("bert-tiny-uncased");
        int port = FreePort();
        using var server = CliProcess.Start("serve", "--model", model, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--max-batch-tokens", "512", "--max-client-batch-size", "8");
        var stderr = server.StandardError.ReadToEndAsync();
        var stdout = server.StandardOutput.ReadToEndAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            await WaitUntil(async () => (await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK, server);

            using var library = EmbeddingModel.Load(model, new EmbeddingOptions { Normalize = true });
            var texts = Enumerable.Range(0, 8).Select(i => string.Join(' ', Enumerable.Repeat($"text{i} words", 150))).ToArray();
            var expected = library.Embed(texts);
            string body = JsonSerializer.Serialize(new { inputs = texts, truncate = true });
            const int requests = 24;
            var running = Enumerable.Range(0, requests).Select(async _ =>
            {
                using var response = await client.PostAsync("/embed", new StringContent(body, Encoding.UTF8, "application/json"));
                return (response.StatusCode, Text: await response.Content.ReadAsStringAsync(), Done: Stopwatch.GetTimestamp());
            }).ToArray();
            await WaitUntil(async () => Sum(await client.GetStringAsync("/metrics"), "te_request_count") >= requests, server);

            long stopping = Stopwatch.GetTimestamp();
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();

            using var late = new HttpClient { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            await Task.Delay(50);
            try
            {
                using var response = await late.PostAsync("/embed", new StringContent("{\"inputs\":\"late\"}", Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException or IOException)
            {
            }

            var results = await Task.WhenAll(running);
            Assert.Contains(results, r => r.Done > stopping); // requests were still running when SIGTERM came
            foreach (var (status, text, _) in results)
            {
                Assert.True(status == HttpStatusCode.OK, $"{status}: {text}");
                var vectors = JsonDocument.Parse(text).RootElement.EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();
                Assert.Equal(expected.Length, vectors.Length);
                for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], vectors[i]);
            }
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), "embedrt serve did not exit within 30 s of SIGTERM");
            Assert.Equal(0, server.ExitCode);
            Assert.True(Stopwatch.GetElapsedTime(stopping) < TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (!server.HasExited) server.Kill(entireProcessTree: true);
        }
        await Task.WhenAll(stderr, stdout);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double Sum(string metrics, string name) => metrics.Split('\n')
        .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static async Task WaitUntil(Func<Task<bool>> condition, Process server)
    {
        var deadline = Stopwatch.GetTimestamp() + 60 * Stopwatch.Frequency;
        while (true)
        {
            Assert.False(server.HasExited, "embedrt serve exited early");
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            Assert.True(Stopwatch.GetTimestamp() < deadline, "timed out waiting for the server");
            await Task.Delay(20);
        }
    }
}
