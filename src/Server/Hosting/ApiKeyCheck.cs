using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace EmbedRt.Server.Hosting;

/// <summary>--api-key: every route but /health, /ping and /metrics needs "Authorization: Bearer KEY" (401 otherwise, as TEI).</summary>
internal sealed class ApiKeyCheck(string key)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Bearer " + key);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (IsOpen(context.Request.Path) || Authorized(context.Request.Headers.Authorization.ToString()))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
    }

    private static bool IsOpen(PathString path) => path == "/health" || path == "/ping" || path == "/metrics";

    /// <summary>Constant-time comparison, so response timing does not reveal how much of a guess was right.</summary>
    private bool Authorized(string header) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expected);
}
