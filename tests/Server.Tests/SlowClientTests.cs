using System.Diagnostics;
using System.Net.Sockets;

namespace EmbedRt.Server.Tests;

/// <summary>
/// Clients that never finish: their headers or body trickle in or stop. They must not hold up other clients, and a
/// stalled body ends in a TEI-shaped 408 with a te_request_failure count, not an "inference failed".
/// </summary>
public sealed class SlowClientTests
{
    [Fact]
    public async Task A_stalled_body_times_out_with_408_while_other_clients_are_served()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)] });
        using var stalled = await OpenAsync(host);
        var stream = stalled.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /embed HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\": \"a"));

        var (ok, _) = await host.PostAsync("/embed", "{\"inputs\": \"served meanwhile\"}");
        Assert.Equal(HttpStatusCode.OK, ok);

        // Kestrel's minimum body rate (240 B/s after a 5 s grace period) ends the stalled read.
        var watch = Stopwatch.StartNew();
        string answer = await ReadToEndAsync(stream, TimeSpan.FromSeconds(30));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the stalled request was never ended");
        Assert.StartsWith("HTTP/1.1 408", answer);
        Assert.Contains("\"error_type\":\"Validation\"", answer);

        var (_, metrics) = await GetTextAsync(host, "/metrics");
        Assert.Contains("te_request_failure{err=\"timeout\"} 1", metrics);
        Assert.DoesNotContain("err=\"inference\"", metrics);
    }

    [Fact]
    public async Task Many_clients_stuck_in_their_headers_do_not_block_a_request()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)] });
        var stuck = new List<TcpClient>();
        try
        {
            for (int i = 0; i < 64; i++)
            {
                var client = await OpenAsync(host);
                stuck.Add(client);
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes("POST /embed HTTP/1.1\r\nHost: te"));
            }
            var watch = Stopwatch.StartNew();
            var (ok, body) = await host.PostAsync("/embed", "{\"inputs\": \"still answered\"}");
            Assert.Equal(HttpStatusCode.OK, ok);
            Assert.Equal(1, body.GetArrayLength());
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        }
        finally
        {
            foreach (var client in stuck) client.Dispose();
        }
    }

    private static async Task<TcpClient> OpenAsync(TestServer host)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, host.BaseAddress.Port);
        return client;
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (Encoding.UTF8.GetString(received.ToArray()).Contains("\"error_type\"")) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            // The server may close the connection right after its answer.
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static async Task<(HttpStatusCode, string)> GetTextAsync(TestServer host, string path)
    {
        using var response = await host.Client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
