using EmbedRt.Server;

namespace EmbedRt.Server.Tests;

/// <summary>A short bounded load: many clients at once, requests merged into shared batches, every answer still the library's.</summary>
public sealed class ConcurrentClientsTests
{
    [Fact]
    public async Task Concurrent_clients_each_get_their_own_vectors()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)] });
        var texts = Enumerable.Range(0, 48).Select(i => string.Join(' ', Enumerable.Repeat($"client text {i}", 1 + i % 7))).ToArray();
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var expected = model.Embed(texts);

        const int clients = 16, requestsPerClient = 6;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            for (int r = 0; r < requestsPerClient; r++)
            {
                int first = (client * 3 + r * 5) % (texts.Length - 2);
                var (status, body) = await host.PostAsync("/embed", Json.Serialize(new { inputs = texts[first..(first + 2)] }));
                if (status != HttpStatusCode.OK) { Interlocked.Increment(ref failures); continue; }
                Json.BitEqual(expected[first..(first + 2)], Json.Matrix(body));
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, failures);

        string metrics = await host.Client.GetStringAsync("/metrics");
        Assert.Contains($"te_request_success{{method=\"batch\"}} {clients * requestsPerClient}", metrics);
    }
}
