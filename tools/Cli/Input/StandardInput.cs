namespace EmbedRt.Cli.Input;

/// <summary>
/// Standard input as a byte stream. When the shell closed it (<c>&lt;&amp;-</c>), the .NET runtime's own first
/// pipe lands on descriptor 0 and reading it would wait forever; that case reads as an empty input instead.
/// </summary>
internal static class StandardInput
{
    public static Stream Open() => IsRuntimeOwnedPipe() ? Stream.Null : Console.OpenStandardInput(1 << 16);

    /// <summary>
    /// Linux: fd 0 is a pipe whose write end this process itself holds. No one else can then ever write to it
    /// (a real stdin pipe's writer is another process), so it can only be a descriptor the runtime opened
    /// after the shell closed stdin.
    /// </summary>
    private static bool IsRuntimeOwnedPipe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            string? target = LinkTarget("/proc/self/fd/0");
            if (target is null || !target.StartsWith("pipe:", StringComparison.Ordinal)) return false;
            foreach (var path in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                if (!int.TryParse(Path.GetFileName(path), out int fd) || fd <= 2) continue;
                if (LinkTarget(path) == target && OpenForWriting(fd)) return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc to look at: read stdin as usual.
        }
        return false;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // closed while we looked
        }
    }

    /// <summary>/proc/self/fdinfo/N "flags:" is octal; the low two bits are the access mode (1 write-only, 2 read-write).</summary>
    private static bool OpenForWriting(int fd)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/self/fdinfo/{fd}"))
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                    return (Convert.ToInt32(line[6..].Trim(), 8) & 3) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }
        return false;
    }
}
