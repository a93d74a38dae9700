namespace EmbedRt.Loader.Hub;

/// <summary>
/// A file of a repository at one commit, as the hub lists it: the path, the size and the ETag its cache blob is
/// named by — the LFS object's sha256 for large files, the git blob sha1 for the others.
/// </summary>
internal sealed record HubFile(string Path, long Size, string Etag, bool IsLfs);

/// <summary>A repository at a resolved commit and the files it holds.</summary>
internal sealed record HubListing(string Commit, IReadOnlyList<HubFile> Files);
