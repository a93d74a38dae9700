using EmbedRt.Kernels;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Reference;

namespace EmbedRt;

/// <summary>Creates the kernel set the options ask for.</summary>
internal static class KernelSelection
{
    public static IKernels Create(KernelChoice choice, int? threads) => choice switch
    {
        KernelChoice.Reference => new ReferenceKernels(),
        _ => new CpuKernels(threads ?? Environment.ProcessorCount),
    };
}
