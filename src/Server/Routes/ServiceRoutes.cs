using System.Reflection;
using EmbedRt.Server.Api;
using EmbedRt.Server.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EmbedRt.Server.Routes;

/// <summary>GET /health (readiness: 200 once every model is loaded and warmed), /metrics (Prometheus text), /info.</summary>
internal static class ServiceRoutes
{
    private static readonly string Version =
        typeof(ServiceRoutes).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public static void Map(IEndpointRouteBuilder routes, ServerState state)
    {
        var health = Responses.Handle(state, ErrorStyle.Tei, context =>
        {
            state.Catalog.EnsureServing();
            return Task.CompletedTask;
        });
        routes.MapGet("/health", health);
        routes.MapGet("/ping", health);
        routes.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            var text = new StringWriter();
            state.Metrics.Write(text);
            await context.Response.WriteAsync(text.ToString(), context.RequestAborted);
        });
    }

    public static Info Info(ServerState state, ServedModel model)
    {
        var options = state.Options;
        return new Info(model.Directory, ModelSha: null, ModelDtype: "float32", model.Name, model.TypeInfo,
            options.MaxConcurrentRequests, model.MaxInputLength, options.MaxBatchTokens, options.MaxBatchRequests,
            options.MaxClientBatchSize, options.AutoTruncate, options.TokenizationWorkers ?? Environment.ProcessorCount,
            Version, Sha: null, DockerLabel: null);
    }
}
