namespace EmbedRt.Loader.Hub;

/// <summary>
/// Turns a Hugging Face model id into a local model folder: the snapshot folder of the Hugging Face cache
/// (models that Python tools downloaded are used where they are), fetching the files EmbedRt reads that the
/// cache lacks. Pass the result to EmbeddingModel.Load.
/// </summary>
/// <example>
/// <code>
/// string folder = HubModelResolver.Resolve("BAAI/bge-small-zh-v1.5");
/// using var model = EmbeddingModel.Load(folder);
/// </code>
/// </example>
public static class HubModelResolver
{
    /// <summary>The revision used when none is given.</summary>
    public const string DefaultRevision = "main";

    /// <summary>
    /// Resolves <paramref name="repoId"/> (ORG/NAME) at <paramref name="revision"/> (branch, tag or commit; default
    /// main) and returns the snapshot folder. Online, the hub is asked which commit the revision is and missing files
    /// are downloaded (resumable, checksum-verified, renamed into the cache only when whole); when the hub cannot be
    /// reached, a snapshot already cached for the revision is used. Offline, only the cache is read.
    /// </summary>
    /// <param name="repoId">The model id, e.g. BAAI/bge-small-zh-v1.5.</param>
    /// <param name="revision">Branch, tag or commit hash; null for main.</param>
    /// <param name="options">Endpoint, cache, token, offline mode; default <see cref="HubOptions.FromEnvironment"/>.</param>
    /// <exception cref="ArgumentException">Not an ORG/NAME id, or not a usable revision name.</exception>
    /// <exception cref="HubException">Not found, unauthorized, not cached while offline, checksum mismatch or network failure.</exception>
    public static string Resolve(string repoId, string? revision = null, HubOptions? options = null)
    {
        options ??= HubOptions.FromEnvironment();
        var repo = HubRepoId.Parse(repoId);
        revision ??= DefaultRevision;
        if (!HubCache.IsSafeRevision(revision)) throw new ArgumentException($"'{revision}' is not a revision name (branch, tag or commit)");
        var cache = new HubCache(options.CacheDirectory, repo);
        string what = revision == DefaultRevision ? repo.ToString() : $"{repo}@{revision}";

        if (options.Offline)
            return CachedSnapshot(cache, revision) ?? throw new HubException(HubErrorKind.NotCached,
                $"{what}: offline (HF_HUB_OFFLINE / --offline) and not in the cache {options.CacheDirectory} " +
                $"(no {Path.Combine(cache.RepoFolder, "snapshots", "<commit>", "config.json")}{(HubCache.IsCommitHash(revision) ? "" : $" via refs/{revision}")}); " +
                "download it once online, e.g. embedrt download " + repo);

        using var http = new HubHttp(options, repo);
        HubListing listing;
        try
        {
            listing = http.List(revision);
        }
        catch (HubException e) when (e.Kind == HubErrorKind.Network && CachedSnapshot(cache, revision) is { } cached)
        {
            options.Warning?.Invoke($"{e.Message}; using the cached snapshot {cached}");
            return cached;
        }
        var files = NeededFiles.Select(listing.Files);
        RequireModelFiles(files, what);
        cache.WriteRef(revision, listing.Commit);
        var snapshot = cache.SnapshotFolder(listing.Commit);
        foreach (var file in files)
        {
            var target = ModelFolderPath.Resolve(snapshot, file.Path);
            if (target is null || !HubCache.IsSafeEtag(file.Etag))
                throw new HubException(HubErrorKind.Network, $"{what}: the hub listed a file EmbedRt will not write: '{file.Path}' (etag '{file.Etag}')");
            if (File.Exists(target)) continue; // File.Exists follows the link: its blob is there
            BlobDownload.Run(http, cache, listing.Commit, file, options, $"{what}/{file.Path}");
            cache.Link(listing.Commit, file.Path, file.Etag);
        }
        return snapshot;
    }

    /// <summary>The cached snapshot folder for a revision, when it holds at least config.json; else null.</summary>
    private static string? CachedSnapshot(HubCache cache, string revision)
    {
        var commit = cache.CachedCommit(revision);
        if (commit is null) return null;
        var folder = cache.SnapshotFolder(commit);
        return File.Exists(Path.Combine(folder, "config.json")) ? folder : null;
    }

    private static void RequireModelFiles(IReadOnlyList<HubFile> files, string what)
    {
        if (!files.Any(f => f.Path == "config.json"))
            throw new HubException(HubErrorKind.NotFound, $"{what}: the repository has no config.json; it is not a transformers model folder");
        if (!files.Any(f => f.Path is "model.safetensors" or "model.safetensors.index.json"))
            throw new HubException(HubErrorKind.NotFound,
                $"{what}: the repository has no model.safetensors (EmbedRt reads safetensors weights, not pytorch_model.bin or ONNX)");
    }
}
