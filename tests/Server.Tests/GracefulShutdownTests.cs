using System.Diagnostics;
using System.Net.Sockets;

namespace EmbedRt.Server.Tests;

/// <summary>
/// Shutdown over real HTTP on loopback: requests in flight when it starts finish with 200 and the library's vectors,
/// requests sent after it started are refused (connection refused, or 503 while the listener is still closing),
/// and the host stops within a bound.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task In_flight_requests_finish_new_ones_are_refused_and_the_host_stops()
    {
        // One 128-token input per forward pass (a 128-token budget) and 480 of them: the queue drains slowly enough,
        // even on an idle machine with the tiny model, that shutdown starts mid-way.
        var host = await TestServer.StartAsync(new ServerOptions
        {
            Models = [Fixtures.Model(TestServer.Dense)], MaxBatchTokens = 128, MaxClientBatchSize = 8,
        });
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var texts = Enumerable.Range(0, 8).Select(i => string.Join(' ', Enumerable.Repeat($"word{i} text", 200))).ToArray();
        var expected = model.Embed(texts);

        const int requests = 60; // 480 inputs, under the 512 in flight that --max-concurrent-requests allows
        var inFlight = Enumerable.Range(0, requests).Select(async _ =>
        {
            var (status, body) = await host.PostAsync("/embed", Json.Serialize(new { inputs = texts, truncate = true }));
            return (status, body, done: Stopwatch.GetTimestamp());
        }).ToArray();
        // In flight = arrived at the server (every handler has started) and still running when shutdown begins.
        await WaitUntil(async () => await Metric(host, "te_request_count") >= requests, TimeSpan.FromSeconds(30));

        long stopping = Stopwatch.GetTimestamp();
        var stop = host.Server.DisposeAsync().AsTask();

        // After shutdown began: new connections are refused, or answered 503 while the listener closes.
        using var late = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        for (int i = 0; i < 3; i++)
        {
            try
            {
                using var response = await late.PostAsync("/embed", new StringContent(Json.Serialize(new { inputs = "late" }), Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
            catch (HttpRequestException e)
            {
                Assert.True(e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } or IOException,
                    $"a late request failed otherwise than refused: {e}");
            }
        }

        var results = await Task.WhenAll(inFlight);
        Assert.All(results, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.status);
            Json.BitEqual(expected, Json.Matrix(r.body));
        });
        Assert.Contains(results, r => r.done > stopping); // the test did catch requests in flight
        Assert.True(await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(30))) == stop, "the host did not stop within 30 s");
        await stop;
        host.Client.Dispose();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => late.GetAsync("/health"));
    }

    /// <summary>The sum of a metric's series.</summary>
    private static async Task<double> Metric(TestServer host, string name)
    {
        string text = await host.Client.GetStringAsync("/metrics");
        return text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal) || l.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "the requests never all arrived");
            await Task.Delay(5);
        }
    }
}
