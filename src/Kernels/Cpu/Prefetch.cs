using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace EmbedRt.Kernels.Cpu;

/// <summary>Software prefetch hints; no-ops where the instruction set has none.</summary>
internal static unsafe class Prefetch
{
    /// <summary>Asks for the cache line holding <paramref name="address"/> to be brought into L1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void L1(void* address)
    {
        if (Sse.IsSupported) Sse.Prefetch0(address);
    }
}
