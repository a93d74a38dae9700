using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>Facts recorded with every result: CPU, cores, SIMD tier, runtime versions, git commit.</summary>
internal static class MachineInfo
{
    public static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal)) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The widest vector ISA .NET will use here, plus the dot-product / bf16 extensions the CPU reports.</summary>
    public static string SimdTier()
    {
        string tier =
            Avx512F.IsSupported && Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? "AVX-512 (F/BW)" :
            Avx2.IsSupported && Fma.IsSupported ? "AVX2+FMA" :
            System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "Arm64 AdvSimd" :
            Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "scalar";
        var extras = new List<string>();
        if (AvxVnni.IsSupported) extras.Add("AVX-VNNI");
        string flags = CpuFlags();
        foreach (var flag in new[] { "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16" })
            if (flags.Contains($" {flag} ", StringComparison.Ordinal)) extras.Add(flag);
        return extras.Count == 0 ? tier : $"{tier}; CPU also has {string.Join(", ", extras)}";
    }

    private static string CpuFlags()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("flags", StringComparison.Ordinal)) return $" {line[(line.IndexOf(':') + 1)..].Trim()} ";
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return " ";
    }

    /// <summary>The first three fields of /proc/loadavg, or "unknown".</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return "unknown";
    }

    /// <summary>Short commit id, with "+dirty" when the work tree has uncommitted changes.</summary>
    public static string GitCommit()
    {
        string? commit = Git("rev-parse --short=12 HEAD");
        if (commit is null) return "unknown (not a git checkout)";
        string? status = Git("status --porcelain --untracked-files=no");
        return string.IsNullOrEmpty(status) ? commit : commit + "+dirty";
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // git not installed
        }
    }
}
