using System.Text.RegularExpressions;

namespace EmbedRt.Loader.Hub;

/// <summary>
/// One repository's folder in the Hugging Face cache, laid out as huggingface_hub lays it out so both reuse
/// each other's downloads: blobs/ETAG holds the content, snapshots/COMMIT/FILE links to ../../blobs/ETAG,
/// refs/REVISION holds the commit a branch or tag pointed to when last resolved.
/// </summary>
internal sealed partial class HubCache(string cacheDirectory, HubRepoId repo)
{
    public string RepoFolder { get; } = Path.Combine(cacheDirectory, repo.CacheFolderName);

    public string BlobPath(string etag) => Path.Combine(RepoFolder, "blobs", etag);

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    public static bool IsCommitHash(string revision) => CommitPattern().IsMatch(revision);

    /// <summary>The commit a revision resolves to in the cache (itself for a commit hash), or null.</summary>
    public string? CachedCommit(string revision)
    {
        if (IsCommitHash(revision)) return revision;
        var path = Path.Combine(RepoFolder, "refs", revision);
        if (!File.Exists(path)) return null;
        var commit = File.ReadAllText(path).Trim();
        return IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Records that a branch or tag points at a commit (written whole, then renamed in).</summary>
    public void WriteRef(string revision, string commit)
    {
        if (IsCommitHash(revision)) return;
        var path = Path.Combine(RepoFolder, "refs", revision);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Points snapshots/COMMIT/FILE at blobs/ETAG with a relative symbolic link, or a copy where links cannot be
    /// made (Windows without developer mode), as huggingface_hub does.
    /// </summary>
    public void Link(string commit, string file, string etag)
    {
        var target = Path.Combine(SnapshotFolder(commit), file);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var blob = BlobPath(etag);
        var relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, blob);
        var temp = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            File.CreateSymbolicLink(temp, relative);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            File.Copy(blob, temp);
        }
        File.Move(temp, target, overwrite: true);
    }

    /// <summary>Whether a revision name is safe to use as a path under refs/ (branches such as refs/pr/1 included).</summary>
    public static bool IsSafeRevision(string revision) =>
        revision.Length is > 0 and <= 256 && !revision.Contains('\\') && !revision.Contains('\0')
        && revision.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    /// <summary>Whether an ETag can name a blob: the hub's are a git sha1 or an LFS sha256, in hex.</summary>
    public static bool IsSafeEtag(string etag) => EtagPattern().IsMatch(etag);

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^([0-9a-f]{40}|[0-9a-f]{64})$")]
    private static partial Regex EtagPattern();
}
