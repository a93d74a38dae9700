using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EmbedRt.Cli.Native;

/// <summary>
/// Lets one command run the best NativeAOT flavour the machine can take. tools/publish.sh puts the
/// x86-64-v2 build at embedrt and the v3 / v4 builds beside it as embedrt-x86-64-v3 / embedrt-x86-64-v4;
/// whichever is started looks up the machine's level and, when a sibling fits it better, replaces itself
/// with that sibling (execv on Linux, a child process elsewhere) before doing anything else.
/// EMBEDRT_FLAVOUR=v2|v3|v4 picks one by hand (comparisons, or a machine whose flags lie).
/// </summary>
internal static unsafe partial class FlavourLauncher
{
    public const string Variable = "EMBEDRT_FLAVOUR";

    /// <summary>The flavour file for a level, next to the running binary.</summary>
    public static string? SiblingPath(IsaLevel level)
    {
        var self = Environment.ProcessPath;
        if (self is null) return null;
        string suffix = level == IsaLevel.V2 ? "" : "-" + level.Name();
        return Path.Combine(Path.GetDirectoryName(self)!, "embedrt" + suffix + Path.GetExtension(self));
    }

    /// <summary>The level to run: EMBEDRT_FLAVOUR if set, else the machine's.</summary>
    public static IsaLevel Wanted()
    {
        var requested = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(requested)) return IsaLevels.Machine();
        return requested.Replace("x86-64-", "", StringComparison.Ordinal) switch
        {
            "v2" => IsaLevel.V2,
            "v3" => IsaLevel.V3,
            "v4" => IsaLevel.V4,
            _ => throw new ArgumentException($"{Variable}={requested}: expected v2, v3 or v4"),
        };
    }

    /// <summary>
    /// Runs the flavour that fits the machine when it is not this binary and is installed beside it;
    /// returns its exit code, or null to go on in this process.
    /// </summary>
    public static int? RunBetterFlavour(string[] args)
    {
        if (!IsaLevels.IsNativeAot) return null;
        var own = IsaLevels.Compiled;
        if (own == IsaLevel.None) return null; // not x86-64: one flavour only
        IsaLevel wanted;
        try
        {
            wanted = Wanted();
        }
        catch (ArgumentException e)
        {
            CommandRunner.Fail(e.Message);
            return CommandRunner.BadArgument;
        }
        // Pick the best installed flavour not above the wanted level.
        for (var level = wanted; level > own; level--)
        {
            var path = SiblingPath(level);
            if (path is not null && File.Exists(path)) return Run(path, args);
        }
        if (wanted < own && SiblingPath(wanted) is { } lower && File.Exists(lower)) return Run(lower, args);
        return null;
    }

    private static int? Run(string path, string[] args)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) return Exec(path, args);
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>Replaces this process image; returns (null) only if execv failed.</summary>
    private static int? Exec(string path, string[] args)
    {
        var strings = new List<nint> { Marshal.StringToCoTaskMemUTF8(path) };
        foreach (var arg in args) strings.Add(Marshal.StringToCoTaskMemUTF8(arg));
        var argv = new nint[strings.Count + 1];
        strings.CopyTo(argv);
        fixed (nint* argvPointer = argv)
            execv((byte*)argv[0], (byte**)argvPointer);
        int errno = Marshal.GetLastPInvokeError();
        foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        CommandRunner.Fail($"could not start {path} (errno {errno}); running the {IsaLevels.Compiled.Name()} build");
        return null;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int execv(byte* path, byte** argv);
}
