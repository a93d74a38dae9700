namespace EmbedRt.Loader.Hub;

/// <summary>
/// Where and how hub models are found and fetched. <see cref="FromEnvironment"/> reads the variables
/// huggingface_hub reads, so both share one cache and one configuration.
/// </summary>
public sealed record HubOptions
{
    /// <summary>The public hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub's base URL (HF_ENDPOINT).</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>The cache folder holding models--ORG--NAME folders (HF_HUB_CACHE, or HF_HOME/hub, or ~/.cache/huggingface/hub).</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>Access token for private or gated models (HF_TOKEN, or the token file huggingface-cli login writes).</summary>
    public string? Token { get; init; }

    /// <summary>Never touch the network; use only the cache (HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; init; }

    /// <summary>Download progress, reported per chunk; null for none.</summary>
    public IProgress<HubDownloadProgress>? Progress { get; init; }

    /// <summary>Told when the hub is unreachable and a cached snapshot is used instead; null to stay silent.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>Sends the HTTP requests; null for a default client (tests pass their own).</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>How many times a broken download is resumed before giving up.</summary>
    public int DownloadAttempts { get; init; } = 4;

    /// <summary>The options huggingface_hub would use in this environment.</summary>
    public static HubOptions FromEnvironment() => new()
    {
        Endpoint = Variable("HF_ENDPOINT")?.TrimEnd('/') ?? DefaultEndpoint,
        CacheDirectory = DefaultCacheDirectory(),
        Token = Variable("HF_TOKEN") ?? ReadTokenFile(),
        Offline = IsTrue(Variable("HF_HUB_OFFLINE")),
    };

    /// <summary>HF_HUB_CACHE, else HF_HOME/hub, else XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.</summary>
    public static string DefaultCacheDirectory() =>
        Variable("HF_HUB_CACHE") ?? Path.Combine(HfHome(), "hub");

    private static string HfHome() => Variable("HF_HOME")
        ?? Path.Combine(Variable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "huggingface");

    private static string? ReadTokenFile()
    {
        var path = Variable("HF_TOKEN_PATH") ?? Path.Combine(HfHome(), "token");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } token ? token : null : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsTrue(string? value) => value?.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}

/// <summary>A download's progress: the file, bytes in the cache so far and the total.</summary>
public readonly record struct HubDownloadProgress(string File, long Bytes, long Total);
