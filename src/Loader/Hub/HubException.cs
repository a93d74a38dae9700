namespace EmbedRt.Loader.Hub;

/// <summary>What went wrong while resolving or downloading a hub model.</summary>
public enum HubErrorKind
{
    /// <summary>The repository, revision or file does not exist (HTTP 404).</summary>
    NotFound,
    /// <summary>The hub wants a token, or a better one: private or gated repository (HTTP 401 / 403).</summary>
    Unauthorized,
    /// <summary>Offline mode (HF_HUB_OFFLINE=1 or --offline) and the cache lacks what is needed.</summary>
    NotCached,
    /// <summary>A downloaded file's content does not match the checksum the hub reports.</summary>
    ChecksumMismatch,
    /// <summary>The hub could not be reached, answered with another error, or sent something unusable.</summary>
    Network,
}

/// <summary>A hub model could not be resolved; the message names the repository and the file or URL at fault.</summary>
public sealed class HubException(HubErrorKind kind, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The kind of failure.</summary>
    public HubErrorKind Kind { get; } = kind;
}
