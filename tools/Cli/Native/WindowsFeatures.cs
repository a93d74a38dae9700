using System.Runtime.InteropServices;

namespace EmbedRt.Cli.Native;

/// <summary>The x86-64 level Windows reports (it answers only for features the OS saves state for).</summary>
internal static partial class WindowsFeatures
{
    private const uint Sse42 = 38, Avx = 39, Avx2 = 40, Avx512F = 41;

    public static IsaLevel Level()
    {
        if (!IsProcessorFeaturePresent(Sse42)) return IsaLevel.None;
        if (!IsProcessorFeaturePresent(Avx) || !IsProcessorFeaturePresent(Avx2)) return IsaLevel.V2;
        // Windows has no single flag for BW/CD/DQ/VL; every AVX-512F CPU shipped with them except Xeon Phi.
        return IsProcessorFeaturePresent(Avx512F) ? IsaLevel.V4 : IsaLevel.V3;
    }

    [LibraryImport("kernel32.dll")]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool IsProcessorFeaturePresent(uint feature);
}
