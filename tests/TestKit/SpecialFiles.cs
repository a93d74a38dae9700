using System.Runtime.InteropServices;

namespace EmbedRt.TestKit;

/// <summary>Non-regular files for hostile-input tests: a FIFO, a symbolic link to a device.</summary>
public static partial class SpecialFiles
{
    /// <summary>Makes a FIFO (named pipe) at <paramref name="path"/>, replacing any file there. Unix only.</summary>
    public static void MakeFifo(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        if (MkFifo(path, Convert.ToUInt32("644", 8)) != 0)
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Replaces the file at <paramref name="path"/> with a symbolic link to /dev/zero, an endless device.</summary>
    public static void LinkToDevZero(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        File.CreateSymbolicLink(path, "/dev/zero");
    }

    /// <summary>Runs <paramref name="action"/>, failing the test if it has not returned within the time: a hang, not a wait.</summary>
    public static void WithinSeconds(int seconds, Action action)
    {
        var task = Task.Run(action);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(seconds)))
            throw new TimeoutException($"still running after {seconds} s: it hangs");
        task.GetAwaiter().GetResult(); // rethrows the action's own exception, unwrapped
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);
}
