using System.Runtime.InteropServices;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// Tells the OS that mapped file pages are no longer needed, so they leave the process's resident set (they are
/// clean: a later read would fetch them from the file again). Linux only; elsewhere a no-op.
/// </summary>
internal static unsafe partial class PageRelease
{
    private const int MadviseDontNeed = 4;

    /// <summary>Releases the whole pages inside [start, start + length).</summary>
    public static void Release(byte* start, long length)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) / page * page, end = ((long)start + length) / page * page;
        if (end > first) _ = Madvise((nint)first, (nuint)(end - first), MadviseDontNeed); // advice only: failure changes nothing
    }

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);
}
