using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;

namespace EmbedRt.Loader.Hub;

/// <summary>The two hub calls EmbedRt makes: list a repository at a revision, and download one file.</summary>
internal sealed class HubHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly HubOptions _options;
    private readonly HubRepoId _repo;

    public HubHttp(HubOptions options, HubRepoId repo)
    {
        _options = options;
        _repo = repo;
        // Redirects to the LFS storage are followed; HttpClient drops the Authorization header on them.
        _client = options.HttpHandler is null
            ? new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(20) })
            : new HttpClient(options.HttpHandler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan;
        var version = typeof(HubHttp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("embedrt", version.Split('+')[0]));
        if (options.Token is { } token) _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    private string Endpoint => _options.Endpoint.TrimEnd('/');

    /// <summary>GET /api/models/ORG/NAME/revision/REV?blobs=true: the commit and every file with its size and ETag.</summary>
    public HubListing List(string revision)
    {
        var url = $"{Endpoint}/api/models/{_repo.Owner}/{_repo.Name}/revision/{Uri.EscapeDataString(revision)}?blobs=true";
        using var response = Send(new HttpRequestMessage(HttpMethod.Get, url), $"{_repo}@{revision}", TimeSpan.FromSeconds(60));
        try
        {
            using var body = response.Content.ReadAsStream();
            using var json = JsonDocument.Parse(body);
            return ParseListing(json.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new HubException(HubErrorKind.Network, $"{url}: the hub's file list is not what EmbedRt expects ({e.Message})", e);
        }
    }

    private HubListing ParseListing(JsonElement root)
    {
        var commit = root.GetProperty("sha").GetString() ?? "";
        if (!HubCache.IsCommitHash(commit)) throw new FormatException($"'sha' is not a commit hash: '{commit}'");
        var files = new List<HubFile>();
        foreach (var sibling in root.GetProperty("siblings").EnumerateArray())
        {
            var path = sibling.GetProperty("rfilename").GetString() ?? "";
            bool lfs = sibling.TryGetProperty("lfs", out var lfsInfo) && lfsInfo.ValueKind == JsonValueKind.Object;
            var etag = lfs ? lfsInfo.GetProperty("sha256").GetString() : sibling.TryGetProperty("blobId", out var blob) ? blob.GetString() : null;
            long size = lfs ? lfsInfo.GetProperty("size").GetInt64() : sibling.TryGetProperty("size", out var s) ? s.GetInt64() : -1;
            files.Add(new HubFile(path, size, etag ?? "", lfs));
        }
        return new HubListing(commit, files);
    }

    /// <summary>GET ORG/NAME/resolve/COMMIT/FILE, from byte <paramref name="from"/> on when it is above 0.</summary>
    public HttpResponseMessage Download(string commit, string file, long from)
    {
        var url = $"{Endpoint}/{_repo.Owner}/{_repo.Name}/resolve/{commit}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}";
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (from > 0) request.Headers.Range = new RangeHeaderValue(from, null);
        return Send(request, $"{_repo}/{file}", TimeSpan.FromSeconds(60));
    }

    /// <summary>Sends a request and turns an error answer into a <see cref="HubException"/> naming <paramref name="what"/>.</summary>
    private HttpResponseMessage Send(HttpRequestMessage request, string what, TimeSpan headersTimeout)
    {
        HttpResponseMessage response;
        using var timeout = new CancellationTokenSource(headersTimeout);
        try
        {
            response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            throw new HubException(HubErrorKind.Network, $"{what}: cannot reach {Endpoint} ({e.Message})", e);
        }
        finally
        {
            request.Dispose();
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var code = response.StatusCode;
            var hubError = Header(response, "X-Error-Code");
            var hubMessage = Header(response, "X-Error-Message");
            var detail = hubMessage is null ? "" : $": {hubMessage}";
            throw code switch
            {
                HttpStatusCode.Unauthorized => new HubException(HubErrorKind.Unauthorized,
                    $"{what}: 401 Unauthorized{detail} (private, gated or missing repository: set HF_TOKEN to a token with access)"),
                HttpStatusCode.Forbidden => new HubException(HubErrorKind.Unauthorized,
                    $"{what}: 403 Forbidden{detail} (gated model: accept its terms on the hub with the account of HF_TOKEN)"),
                HttpStatusCode.NotFound => new HubException(HubErrorKind.NotFound,
                    $"{what}: 404 {hubError switch { "RevisionNotFound" => "revision not found", "EntryNotFound" => "file not found", _ => "not found" }}{detail}"),
                _ => new HubException(HubErrorKind.Network, $"{what}: HTTP {(int)code} {response.ReasonPhrase}{detail} from {Endpoint}"),
            };
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _client.Dispose();
}
