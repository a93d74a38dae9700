using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace EmbedRt.Loader.Hub;

/// <summary>
/// Downloads one file into blobs/ETAG: written to blobs/ETAG.incomplete (locked, so concurrent processes sharing
/// a cache wait for each other), resumed with a Range request after a broken connection — within this call and
/// across runs — checked against the ETag (sha256 for LFS files, git blob sha1 for the others) and renamed in.
/// </summary>
internal static class BlobDownload
{
    private const int BufferSize = 1 << 20;

    public static void Run(HubHttp http, HubCache cache, string commit, HubFile file, HubOptions options, string what)
    {
        var blob = cache.BlobPath(file.Etag);
        if (File.Exists(blob)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        var incomplete = blob + ".incomplete";
        using (var stream = OpenLocked(incomplete, blob))
        {
            if (stream is null) return; // another process finished it while we waited
            Fill(http, stream, commit, file, options, what);
            Verify(stream, file, what, incomplete);
        }
        File.Move(incomplete, blob, overwrite: true);
    }

    private static FileStream? OpenLocked(string incomplete, string blob)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(30);
        while (true)
        {
            if (File.Exists(blob)) return null;
            try
            {
                return new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(incomplete))
            {
                Thread.Sleep(250); // another process is downloading this blob
            }
        }
    }

    private static void Fill(HubHttp http, FileStream stream, string commit, HubFile file, HubOptions options, string what)
    {
        var buffer = new byte[BufferSize];
        for (int attempt = 1; ; attempt++)
        {
            long have = stream.Length;
            if (file.Size >= 0 && have > file.Size) have = Truncate(stream, 0);
            if (file.Size >= 0 && have == file.Size) return;
            try
            {
                using var response = http.Download(commit, file.Path, have);
                if (have > 0 && response.StatusCode != HttpStatusCode.PartialContent) have = Truncate(stream, 0); // no Range support
                stream.Position = have;
                using var body = response.Content.ReadAsStream();
                int read;
                while ((read = ReadWithTimeout(body, buffer)) > 0)
                {
                    stream.Write(buffer, 0, read);
                    have += read;
                    options.Progress?.Report(new HubDownloadProgress(file.Path, have, file.Size));
                }
                stream.Flush();
                if (file.Size < 0 || stream.Length == file.Size) return;
                throw new IOException($"connection closed at byte {stream.Length} of {file.Size}");
            }
            catch (Exception e) when (e is IOException or HttpRequestException && e is not HubException)
            {
                stream.Flush();
                if (attempt >= options.DownloadAttempts)
                    throw new HubException(HubErrorKind.Network,
                        $"{what}: download broke {attempt} times, last at byte {stream.Length} of {file.Size} ({e.Message}); " +
                        "run again to resume from there", e);
                Thread.Sleep(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    /// <summary>A read that gives up on a connection silent for a minute (a stalled download is resumed).</summary>
    private static int ReadWithTimeout(Stream body, byte[] buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            return body.ReadAsync(buffer, timeout.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e)
        {
            throw new IOException("no data for 60 s", e);
        }
    }

    private static long Truncate(FileStream stream, long length)
    {
        stream.SetLength(length);
        return length;
    }

    private static void Verify(FileStream stream, HubFile file, string what, string incomplete)
    {
        stream.Position = 0;
        long length = stream.Length;
        var actual = file.IsLfs ? Sha256(stream) : GitBlobSha1(stream);
        if (actual == file.Etag) return;
        stream.SetLength(0); // a bad copy must not be resumed
        throw new HubException(HubErrorKind.ChecksumMismatch,
            $"{what}: checksum mismatch: the hub says {(file.IsLfs ? "sha256" : "git sha1")} {file.Etag}, " +
            $"the {length}-byte download has {actual}; nothing was put in the cache (partial file {incomplete} emptied)");
    }

    private static string Sha256(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));

    /// <summary>git's object id of a file: sha1 of "blob SIZE\0" followed by the content.</summary>
    private static string GitBlobSha1(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        hash.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[BufferSize];
        int read;
        while ((read = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
