using EmbedRt.Server;
using Microsoft.Extensions.Logging.Abstractions;

namespace EmbedRt.Server.Tests;

/// <summary>An EmbedServer on a free loopback port with an HttpClient for it; disposing stops both.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string Dense = "bert-tiny-uncased";
    public const string M3 = "xlmr-tiny-m3";
    public const string Reranker = "xlmr-tiny-reranker";

    private TestServer(EmbedServer server, HttpClient client)
    {
        Server = server;
        Client = client;
    }

    public EmbedServer Server { get; }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>Starts a server on the given models (fixture names or folders) and, unless told not to, waits until it is ready.</summary>
    public static async Task<TestServer> StartAsync(ServerOptions options, bool waitReady = true)
    {
        var server = await EmbedServer.StartAsync(options with { Hostname = "127.0.0.1", Port = 0 }, NullLoggerProvider.Instance);
        if (waitReady) await server.Ready.WaitAsync(TimeSpan.FromSeconds(60));
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Port}"), Timeout = TimeSpan.FromSeconds(60) };
        return new TestServer(server, client);
    }

    /// <summary>The fixture models served as Dense, M3 and Reranker, Dense the default.</summary>
    public static ServerOptions AllModels => new() { Models = [Fixtures.Model(Dense), Fixtures.Model(M3), Fixtures.Model(Reranker)] };

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null) request.Headers.Authorization = new("Bearer", apiKey);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await ReadBody(response));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        return (response.StatusCode, await ReadBody(response));
    }

    private static async Task<JsonElement> ReadBody(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>One server with every fixture model for the read-only route tests of a class.</summary>
public sealed class AllModelsServer : IAsyncLifetime
{
    public TestServer Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await TestServer.StartAsync(TestServer.AllModels with { MaxClientBatchSize = 8 });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
