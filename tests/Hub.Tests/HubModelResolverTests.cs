using EmbedRt.Loader;
using EmbedRt.Loader.Hub;
using EmbedRt.TestKit;

namespace EmbedRt.Hub.Tests;

/// <summary>Resolution and download against a fake hub on loopback serving the bert-tiny-uncased fixture.</summary>
public sealed class HubModelResolverTests : IDisposable
{
    private const string Weights = "model.safetensors";
    private readonly FakeHub _hub = new(Fixtures.Model("bert-tiny-uncased"));
    private readonly string _cache = Fixtures.TempDirectory("hub-cache");

    private HubOptions Options(Action<string>? warning = null) => new()
    {
        Endpoint = _hub.Endpoint,
        CacheDirectory = _cache,
        Warning = warning,
    };

    private string RepoFolder => Path.Combine(_cache, "models--test-org--tiny-bert");

    [Fact]
    public void Download_fills_the_cache_in_huggingface_hub_layout_with_only_the_needed_files()
    {
        var folder = HubModelResolver.Resolve(FakeHub.Repo, options: Options());

        Assert.Equal(Path.Combine(RepoFolder, "snapshots", FakeHub.Commit), folder);
        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(RepoFolder, "refs", "main")));
        foreach (var (name, content) in _hub.Files)
        {
            var path = Path.Combine(folder, name);
            if (name is "README.md" or "onnx/model.onnx" or "pytorch_model.bin")
            {
                Assert.False(File.Exists(path), name + " should not be downloaded");
                continue;
            }
            Assert.Equal(content, File.ReadAllBytes(path));
            var link = new FileInfo(path).LinkTarget;
            Assert.NotNull(link);
            Assert.False(Path.IsPathRooted(link), "links are relative, as huggingface_hub makes them");
            Assert.Equal(Path.Combine(RepoFolder, "blobs", FakeHub.Etag(name, content)),
                Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, link)));
        }
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(RepoFolder, "blobs"), "*.incomplete"));

        using var model = EmbeddingModel.Load(folder);
        Assert.Equal(model.Dimension, model.Embed(["hello hub"])[0].Length);
    }

    [Fact]
    public void A_cut_connection_is_resumed_with_a_range_request()
    {
        _hub.Cut = (Weights, 1);
        var folder = HubModelResolver.Resolve(FakeHub.Repo, options: Options());

        Assert.Equal(_hub.Files[Weights], File.ReadAllBytes(Path.Combine(folder, Weights)));
        var gets = _hub.Requests.Where(r => r.Contains($"/resolve/{FakeHub.Commit}/{Weights}")).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Contains($"bytes={_hub.Files[Weights].Length / 2}-", gets[1]);
    }

    [Fact]
    public void A_download_broken_in_one_run_resumes_in_the_next()
    {
        _hub.Cut = (Weights, 5);
        var broken = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, options: Options() with { DownloadAttempts = 1 }));
        Assert.Equal(HubErrorKind.Network, broken.Kind);
        Assert.Contains("resume", broken.Message);
        var partial = Directory.GetFiles(Path.Combine(RepoFolder, "blobs"), "*.incomplete").Single();
        Assert.Equal(_hub.Files[Weights].Length / 2, new FileInfo(partial).Length);

        _hub.Cut = null;
        var folder = HubModelResolver.Resolve(FakeHub.Repo, options: Options());
        Assert.Equal(_hub.Files[Weights], File.ReadAllBytes(Path.Combine(folder, Weights)));
        Assert.Contains(_hub.Requests, r => r.Contains($"{Weights} bytes={_hub.Files[Weights].Length / 2}-"));
    }

    [Theory]
    [InlineData(Weights)]        // LFS file: sha256
    [InlineData("vocab.txt")]    // regular file: git blob sha1
    public void A_checksum_mismatch_is_an_error_and_nothing_enters_the_cache(string file)
    {
        _hub.Corrupt = file;
        var error = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, options: Options()));

        Assert.Equal(HubErrorKind.ChecksumMismatch, error.Kind);
        Assert.Contains(file, error.Message);
        var etag = FakeHub.Etag(file, _hub.Files[file]);
        Assert.False(File.Exists(Path.Combine(RepoFolder, "blobs", etag)));
        Assert.False(File.Exists(Path.Combine(RepoFolder, "snapshots", FakeHub.Commit, file)));

        _hub.Corrupt = null; // the emptied partial file must not poison the next try
        var folder = HubModelResolver.Resolve(FakeHub.Repo, options: Options());
        Assert.Equal(_hub.Files[file], File.ReadAllBytes(Path.Combine(folder, file)));
    }

    [Fact]
    public void Unauthorized_without_the_token_and_the_token_is_sent_when_given()
    {
        _hub.RequiredToken = "hf_secret";
        var error = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, options: Options()));
        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains(FakeHub.Repo, error.Message);

        var folder = HubModelResolver.Resolve(FakeHub.Repo, options: Options() with { Token = "hf_secret" });
        Assert.True(File.Exists(Path.Combine(folder, Weights)));
        Assert.All(_hub.Requests.Skip(1), r => Assert.EndsWith("Bearer hf_secret", r));
    }

    [Fact]
    public void Unknown_repository_and_revision_are_not_found()
    {
        var repo = Assert.Throws<HubException>(() => HubModelResolver.Resolve("test-org/no-such-model", options: Options()));
        Assert.Equal(HubErrorKind.NotFound, repo.Kind);
        Assert.Contains("test-org/no-such-model", repo.Message);

        var revision = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, "v9.9", Options()));
        Assert.Equal(HubErrorKind.NotFound, revision.Kind);
        Assert.Contains("revision not found", revision.Message);
    }

    [Fact]
    public void Offline_reads_only_the_cache_and_names_what_is_missing()
    {
        var missing = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, options: Options() with { Offline = true }));
        Assert.Equal(HubErrorKind.NotCached, missing.Kind);
        Assert.Contains("offline", missing.Message);
        Assert.Contains(_cache, missing.Message);
        Assert.Empty(_hub.Requests);

        var online = HubModelResolver.Resolve(FakeHub.Repo, options: Options());
        int requests = _hub.Requests.Count;
        Assert.Equal(online, HubModelResolver.Resolve(FakeHub.Repo, options: Options() with { Offline = true }));
        Assert.Equal(online, HubModelResolver.Resolve(FakeHub.Repo, FakeHub.Commit, Options() with { Offline = true }));
        Assert.Equal(requests, _hub.Requests.Count);
    }

    [Fact]
    public void A_cached_model_is_reused_without_downloading_and_without_the_network()
    {
        var first = HubModelResolver.Resolve(FakeHub.Repo, options: Options());
        int downloads = _hub.Requests.Count(r => r.Contains("/resolve/"));

        Assert.Equal(first, HubModelResolver.Resolve(FakeHub.Repo, options: Options()));
        Assert.Equal(downloads, _hub.Requests.Count(r => r.Contains("/resolve/")));

        var warnings = new List<string>();
        _hub.Dispose(); // the hub goes away: the cached snapshot is used, with a warning
        Assert.Equal(first, HubModelResolver.Resolve(FakeHub.Repo, options: Options(warnings.Add)));
        Assert.Contains("cached snapshot", Assert.Single(warnings));
    }

    [Fact]
    public void A_snapshot_that_python_tools_left_in_HF_HUB_CACHE_is_used_in_place()
    {
        var commit = "fedcba9876543210fedcba9876543210fedcba98";
        var snapshot = Path.Combine(RepoFolder, "snapshots", commit);
        Directory.CreateDirectory(snapshot);
        foreach (var file in Directory.EnumerateFiles(Fixtures.Model("bert-tiny-uncased")))
            File.Copy(file, Path.Combine(snapshot, Path.GetFileName(file)));
        Directory.CreateDirectory(Path.Combine(RepoFolder, "refs"));
        File.WriteAllText(Path.Combine(RepoFolder, "refs", "v1.0"), commit + "\n");

        Assert.Equal(snapshot, HubModelResolver.Resolve(FakeHub.Repo, "v1.0", Options() with { Offline = true }));
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("1_Pooling/../../../escape.json")]
    public void A_listed_path_leaving_the_snapshot_is_never_written(string path)
    {
        _hub.HostilePath = path;
        HubModelResolver.Resolve(FakeHub.Repo, options: Options());
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(_cache)!, "escape.json", SearchOption.AllDirectories));
        Assert.DoesNotContain(_hub.Requests, r => r.Contains("escape"));
    }

    [Fact]
    public void A_listed_etag_that_is_not_a_hash_is_refused()
    {
        _hub.HostileEtag = "config.json";
        var error = Assert.Throws<HubException>(() => HubModelResolver.Resolve(FakeHub.Repo, options: Options()));
        Assert.Contains("will not write", error.Message);
        Assert.False(File.Exists(Path.Combine(_cache, "escape")));
    }

    [Theory]
    [InlineData("no-slash")]
    [InlineData("a/b/c")]
    [InlineData("../etc")]
    [InlineData("org/na me")]
    public void Bad_ids_are_argument_errors(string id) =>
        Assert.Throws<ArgumentException>(() => HubModelResolver.Resolve(id, options: Options()));

    [Fact]
    public void ModelSource_keeps_local_folders_and_resolves_ids()
    {
        var local = Fixtures.Model("bert-tiny-uncased");
        Assert.Equal(local, ModelSource.Resolve(local));
        Assert.Throws<ArgumentException>(() => ModelSource.Resolve(Path.Combine(_cache, "missing", "folder", "x")));
        Assert.Equal(HubModelResolver.Resolve(FakeHub.Repo, options: Options()), ModelSource.Resolve(FakeHub.Repo, options: Options()));
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_cache, recursive: true);
    }
}
