using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EmbedRt.Hub.Tests;

/// <summary>
/// A Hugging Face hub on loopback serving one repository made from a fixture folder: the revision API
/// (/api/models/ORG/NAME/revision/REV?blobs=true) and /ORG/NAME/resolve/COMMIT/FILE with Range support.
/// Knobs make it cut a connection, corrupt a file, demand a token or list a hostile path; it records every request.
/// </summary>
public sealed class FakeHub : IDisposable
{
    public const string Repo = "test-org/tiny-bert";
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";

    private readonly HttpListener _listener;
    private readonly Dictionary<string, byte[]> _files = new();
    private readonly Task _loop;

    public FakeHub(string fixtureFolder)
    {
        foreach (var path in Directory.EnumerateFiles(fixtureFolder, "*", SearchOption.AllDirectories))
            _files[Path.GetRelativePath(fixtureFolder, path).Replace('\\', '/')] = File.ReadAllBytes(path);
        // Files a real repository has that EmbedRt must not fetch.
        _files["README.md"] = Encoding.UTF8.GetBytes("# tiny\n");
        _files["onnx/model.onnx"] = new byte[4096];
        _files["pytorch_model.bin"] = new byte[4096];
        (_listener, Port) = Listen();
        _loop = Task.Run(Serve);
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public IReadOnlyDictionary<string, byte[]> Files => _files;

    /// <summary>Every request as "METHOD path [Range] [Authorization]".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Cut the connection after half the bytes on the first N downloads of this file.</summary>
    public (string File, int Times)? Cut { get; set; }

    /// <summary>Serve this file with one byte changed (its listed checksum stays the true one).</summary>
    public string? Corrupt { get; set; }

    /// <summary>Answer 401 unless the request carries "Bearer TOKEN".</summary>
    public string? RequiredToken { get; set; }

    /// <summary>List this extra path (e.g. "../evil") in the revision API.</summary>
    public string? HostilePath { get; set; }

    /// <summary>List this file with an ETag that is a path ("../../escape") instead of a hash.</summary>
    public string? HostileEtag { get; set; }

    public static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal) || path.EndsWith(".bin", StringComparison.Ordinal);

    public static string Etag(string path, byte[] content) => IsLfs(path)
        ? Convert.ToHexStringLower(SHA256.HashData(content))
        : Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    public int DownloadsOf(string file) => Requests.Count(r => r.StartsWith($"GET /{Repo}/resolve/{Commit}/{file}", StringComparison.Ordinal));

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            try
            {
                Handle(context);
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // client went away
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = Uri.UnescapeDataString(request.Url!.AbsolutePath);
        Requests.Enqueue($"{request.HttpMethod} {path} {request.Headers["Range"]} {request.Headers["Authorization"]}".TrimEnd());
        if (RequiredToken is { } token && request.Headers["Authorization"] != $"Bearer {token}")
        {
            Error(response, 401, "RepoNotFound", "Invalid credentials in Authorization header");
            return;
        }
        string apiPrefix = $"/api/models/{Repo}/revision/";
        string filePrefix = $"/{Repo}/resolve/{Commit}/";
        if (path.StartsWith(apiPrefix, StringComparison.Ordinal))
        {
            var revision = path[apiPrefix.Length..];
            if (revision is not ("main" or Commit))
            {
                Error(response, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
                return;
            }
            Send(response, 200, Encoding.UTF8.GetBytes(Listing()), "application/json");
        }
        else if (path.StartsWith(filePrefix, StringComparison.Ordinal) && _files.TryGetValue(path[filePrefix.Length..], out var content))
        {
            ServeFile(context, path[filePrefix.Length..], content);
        }
        else
        {
            Error(response, 404, path.StartsWith($"/{Repo}/", StringComparison.Ordinal) ? "EntryNotFound" : "RepoNotFound", "not found");
        }
    }

    private void ServeFile(HttpListenerContext context, string name, byte[] content)
    {
        var response = context.Response;
        if (Corrupt == name)
        {
            content = (byte[])content.Clone();
            content[content.Length / 2] ^= 0x5a;
        }
        long from = 0;
        var range = context.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            from = long.Parse(range["bytes=".Length..^1]);
        response.StatusCode = from > 0 ? 206 : 200;
        if (from > 0) response.Headers["Content-Range"] = $"bytes {from}-{content.Length - 1}/{content.Length}";
        response.ContentLength64 = content.Length - from;
        if (Cut is { } cut && cut.File == name && cut.Times > 0)
        {
            Cut = (cut.File, cut.Times - 1);
            int half = (content.Length - (int)from) / 2;
            response.OutputStream.Write(content, (int)from, half);
            response.OutputStream.Flush();
            response.Abort();
            return;
        }
        response.OutputStream.Write(content, (int)from, content.Length - (int)from);
        response.Close();
    }

    private string Listing()
    {
        var siblings = _files.Select(pair => IsLfs(pair.Key)
            ? new Dictionary<string, object> { ["rfilename"] = pair.Key, ["size"] = pair.Value.Length, ["blobId"] = new string('e', 40),
                ["lfs"] = new Dictionary<string, object> { ["sha256"] = Etag(pair.Key, pair.Value), ["size"] = pair.Value.Length } }
            : new Dictionary<string, object> { ["rfilename"] = pair.Key, ["size"] = pair.Value.Length,
                ["blobId"] = pair.Key == HostileEtag ? "../../../escape" : Etag(pair.Key, pair.Value) })
            .ToList();
        if (HostilePath is { } hostile)
            siblings.Add(new Dictionary<string, object> { ["rfilename"] = hostile, ["size"] = 1, ["blobId"] = new string('a', 40) });
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = Repo, ["sha"] = Commit, ["siblings"] = siblings });
    }

    private static void Error(HttpListenerResponse response, int status, string code, string message)
    {
        response.Headers["X-Error-Code"] = code;
        response.Headers["X-Error-Message"] = message;
        Send(response, status, Encoding.UTF8.GetBytes($"{{\"error\":\"{message}\"}}"), "application/json");
    }

    private static void Send(HttpListenerResponse response, int status, byte[] body, string type)
    {
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }

    /// <summary>Starts a listener on a free loopback port, retrying when another test grabs the port first.</summary>
    private static (HttpListener, int) Listen()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Abort();
            }
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        if (!_listener.IsListening) return;
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            _listener.Abort();
        }
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
