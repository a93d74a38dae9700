using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Cli.Native;

/// <summary>
/// x86-64 micro-architecture levels, the unit NativeAOT compiles for: its code only uses the instruction
/// sets of the level it was built for (AVX2 and AVX-512 are never used opportunistically), so the kernels'
/// Vector256 / Vector512 tiers exist in a binary only when its level includes them.
/// </summary>
internal enum IsaLevel
{
    /// <summary>Not x86-64, or below x86-64-v2.</summary>
    None = 0,
    /// <summary>SSE4.2 + POPCNT: Vector128 only, the kernels' scalar tier.</summary>
    V2 = 2,
    /// <summary>AVX2 + FMA + BMI: the kernels' Vector256 tier.</summary>
    V3 = 3,
    /// <summary>AVX-512 F/BW/CD/DQ/VL: the kernels' Vector512 tier.</summary>
    V4 = 4,
}

internal static class IsaLevels
{
    public static string Name(this IsaLevel level) => level == IsaLevel.None ? "none" : $"x86-64-v{(int)level}";

    /// <summary>
    /// The level this code was compiled for: under NativeAOT the IsSupported checks below are constants fixed by
    /// IlcInstructionSet; under the JIT they describe the machine.
    /// </summary>
    public static IsaLevel Compiled
    {
        get
        {
            if (!X86Base.X64.IsSupported) return IsaLevel.None;
            if (Avx512F.VL.IsSupported && Avx512BW.VL.IsSupported && Avx512DQ.VL.IsSupported && Avx512CD.VL.IsSupported
                && Vector512.IsHardwareAccelerated) return IsaLevel.V4;
            if (Avx2.IsSupported && Fma.IsSupported && Bmi2.IsSupported && Lzcnt.IsSupported) return IsaLevel.V3;
            if (Sse42.IsSupported && Popcnt.IsSupported) return IsaLevel.V2;
            return IsaLevel.None;
        }
    }

    /// <summary>Whether this process is NativeAOT-compiled (no JIT: its instruction sets were fixed at build time).</summary>
    public static bool IsNativeAot => !RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>
    /// The highest level this machine and its operating system can run, found without executing any instruction
    /// beyond the baseline: what the CPU has (CPUID), capped by what the OS saves register state for (on Linux the
    /// kernel's CPU flags, which drop AVX / AVX-512 when it does not enable them; on Windows IsProcessorFeaturePresent).
    /// </summary>
    public static IsaLevel Machine()
    {
        if (!X86Base.X64.IsSupported) return IsaLevel.None;
        var os = OperatingSystem.IsLinux() ? FromLinuxFlags(ReadLinuxFlags())
            : OperatingSystem.IsWindows() ? WindowsFeatures.Level()
            : IsaLevel.V4;
        return (IsaLevel)Math.Min((int)FromCpuid(), (int)os);
    }

    /// <summary>The level the CPU's CPUID bits name (what .NET checks for each level, as in x86-64 psABI).</summary>
    private static IsaLevel FromCpuid()
    {
        static bool Bits(int register, params int[] bits) => bits.All(b => (register & (1 << b)) != 0);
        var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
        var (_, ebx7, _, _) = X86Base.CpuId(7, 0);
        var (_, _, ecxExt, _) = X86Base.CpuId(unchecked((int)0x80000001), 0);
        if (!Bits(ecx1, 9, 13, 19, 20, 23)) return IsaLevel.None;               // SSSE3 CX16 SSE4.1 SSE4.2 POPCNT
        if (!Bits(ecx1, 12, 22, 27, 28, 29) || !Bits(ebx7, 3, 5, 8) || !Bits(ecxExt, 5))
            return IsaLevel.V2;                                                  // FMA MOVBE OSXSAVE AVX F16C, BMI1 AVX2 BMI2, LZCNT
        if (!Bits(ebx7, 16, 17, 28, 30, 31)) return IsaLevel.V3;                 // AVX-512 F DQ CD BW VL
        return IsaLevel.V4;
    }

    /// <summary>The level a set of /proc/cpuinfo flags lets the OS run (only the register-state flags count).</summary>
    public static IsaLevel FromLinuxFlags(IReadOnlySet<string> flags)
    {
        if (!flags.Contains("sse4_2")) return IsaLevel.None;
        if (!flags.Contains("avx") || !flags.Contains("avx2")) return IsaLevel.V2;
        if (!flags.Contains("avx512f") || !flags.Contains("avx512vl")) return IsaLevel.V3;
        return IsaLevel.V4;
    }

    private static HashSet<string> ReadLinuxFlags()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("flags", StringComparison.Ordinal)) continue;
                int colon = line.IndexOf(':');
                if (colon < 0) continue;
                return [.. line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return [];
    }
}
