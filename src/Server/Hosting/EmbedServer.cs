using System.Net;
using EmbedRt.Server.Hosting;
using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using EmbedRt.Server.Routes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EmbedRt.Server;

/// <summary>
/// The embedding server: TEI's routes and OpenAI's /v1/embeddings over ASP.NET Core (slim builder, source-generated
/// JSON, so it runs NativeAOT-compiled). It listens at once and answers 503 until every model is loaded and warmed
/// (see <see cref="Ready"/>); stopping refuses new requests and lets admitted ones finish.
/// </summary>
/// <example>
/// <code>
/// await using var server = await EmbedServer.StartAsync(new ServerOptions { Models = ["bge-small-zh-v1.5"] });
/// await server.Ready;
/// await server.WaitForShutdownAsync();
/// </code>
/// </example>
public sealed class EmbedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ModelCatalog _catalog;

    private EmbedServer(WebApplication app, ModelCatalog catalog)
    {
        _app = app;
        _catalog = catalog;
    }

    /// <summary>Completes when every model is loaded and warmed; faults with the load error otherwise.</summary>
    public Task Ready => _catalog.Ready;

    /// <summary>The port listened on (useful with <see cref="ServerOptions.Port"/> 0).</summary>
    public int Port => new Uri(Addresses(_app).First()).Port;

    /// <summary>Starts listening and begins loading the models in the background; <paramref name="logging"/> replaces the console log.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or the hostname is not an address.</exception>
    public static async Task<EmbedServer> StartAsync(ServerOptions options, ILoggerProvider? logging = null, CancellationToken cancel = default)
    {
        options.Validate();
        var address = ParseHostname(options.Hostname);
        var builder = WebApplication.CreateSlimBuilder();
        if (logging is not null) builder.Logging.ClearProviders().AddProvider(logging);
        builder.Logging.SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.PayloadLimit;
            kestrel.Listen(address, options.Port);
        });
        var app = builder.Build();
        var metrics = new ServerMetrics();
        var catalog = new ModelCatalog(new ModelServices(options, metrics,
            new SemaphoreSlim(options.TokenizationWorkers ?? Environment.ProcessorCount)));
        var state = new ServerState(options, catalog, metrics, app.Logger);

        if (options.ApiKey is { } key)
        {
            var check = new ApiKeyCheck(key);
            app.Use((HttpContext context, RequestDelegate next) => check.InvokeAsync(context, next));
        }
        ServiceRoutes.Map(app, state);
        OpenAiRoutes.Map(app, state);
        TeiRoutes.Map(app, state, model: null);
        foreach (var name in catalog.Names) TeiRoutes.Map(app.MapGroup("/" + name), state, name);

        app.Lifetime.ApplicationStopping.Register(catalog.StopAccepting);
        await app.StartAsync(cancel);
        app.Logger.LogInformation("listening on {Addresses}; loading {Models}", string.Join(", ", Addresses(app)), string.Join(", ", catalog.Names));
        catalog.StartLoading();
        _ = catalog.Ready.ContinueWith(task => app.Logger.Log(task.IsCompletedSuccessfully ? LogLevel.Information : LogLevel.Error,
            task.IsCompletedSuccessfully ? "ready" : $"model load failed: {task.Exception?.InnerException?.Message}"), TaskScheduler.Default);
        return new EmbedServer(app, catalog);
    }

    /// <summary>Waits until the host is told to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    /// <summary>Stops: new requests get 503, admitted ones finish, then the models are released.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        _catalog.Dispose();
        await _app.DisposeAsync();
    }

    private static ICollection<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;

    private static IPAddress ParseHostname(string hostname)
    {
        if (hostname == "localhost") return IPAddress.Loopback;
        return IPAddress.TryParse(hostname.Trim('[', ']'), out var address)
            ? address
            : throw new ArgumentException($"--hostname must be an IP address (127.0.0.1, 0.0.0.0, ::) or localhost, got '{hostname}'");
    }
}
