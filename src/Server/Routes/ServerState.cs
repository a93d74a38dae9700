using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using Microsoft.Extensions.Logging;

namespace EmbedRt.Server.Routes;

/// <summary>What every route handler reads: the settings, the models, the metrics, the log.</summary>
internal sealed record ServerState(ServerOptions Options, ModelCatalog Catalog, ServerMetrics Metrics, ILogger Logger);
