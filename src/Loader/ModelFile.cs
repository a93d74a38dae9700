using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EmbedRt.Loader;

/// <summary>
/// Opens a model folder's files for reading so that anything but a regular file is a clear error: a FIFO named
/// model.safetensors would block the open forever, a device would be read without end, and a folder fails late.
/// Every file is read by the size it has when opened, never "until end of file".
/// </summary>
internal static partial class ModelFile
{
    /// <summary>Whether anything (file, folder, FIFO, device) exists at the path; opening then tells what is wrong with it.</summary>
    public static bool Exists(string path) => Path.Exists(path);

    /// <summary>Opens a regular file for reading (seekable, with its length known); a <see cref="ModelFormatException"/> otherwise.</summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new ModelFormatException(path, "is a folder, not a file");
        FileStream stream;
        try
        {
            stream = OperatingSystem.IsWindows()
                ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read)
                : new FileStream(OpenNonBlocking(path), FileAccess.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFormatException(path, "file not found", e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ModelFormatException(path, "cannot be opened: " + e.Message, e);
        }
        if (!stream.CanSeek)
        {
            stream.Dispose();
            throw new ModelFormatException(path, "is not a regular file (a pipe, socket or terminal cannot hold a model file)");
        }
        return stream;
    }

    /// <summary>
    /// The whole file, which must be at most <paramref name="maxBytes"/> bytes long. Only the length seen at open is
    /// read, so a device that reports no length (/dev/zero) reads as an empty file, not an endless one.
    /// </summary>
    public static byte[] ReadAllBytes(string path, long maxBytes = int.MaxValue)
    {
        using var stream = OpenRead(path);
        long length = stream.Length;
        if (length > maxBytes || length > Array.MaxLength)
            throw new ModelFormatException(path, $"is {length} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} bytes such a file may have");
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        try
        {
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new ModelFormatException(path, "cannot be read: " + e.Message, e);
        }
        return bytes;
    }

    /// <summary>open(2) with O_NONBLOCK, which returns at once even for a FIFO with no writer (then refused as not seekable).</summary>
    private static SafeFileHandle OpenNonBlocking(string path)
    {
        int flags = OperatingSystem.IsMacOS() || OperatingSystem.IsIOS() || OperatingSystem.IsFreeBSD()
            ? 0x0004 | 0x1000000  // O_NONBLOCK | O_CLOEXEC (BSD values)
            : 0x0800 | 0x80000;   // O_NONBLOCK | O_CLOEXEC (Linux values, x64 and arm64)
        int fd = Open(path, flags);
        if (fd >= 0) return new SafeFileHandle(fd, ownsHandle: true);
        int errno = Marshal.GetLastPInvokeError();
        throw errno switch
        {
            2 => new FileNotFoundException("file not found", path),  // ENOENT
            13 or 1 => new UnauthorizedAccessException("permission denied"),  // EACCES, EPERM
            _ => new IOException($"open failed: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
