using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace EmbedRt.Cuda.Tests;

/// <summary>One ILGPU CPU-simulator context and its kernels for the whole test run (compiling kernels costs seconds).</summary>
public static class Simulator
{
    private static readonly Lazy<(Context Context, Accelerator Accelerator, EmbedRt.Kernels.Cuda.DeviceKernels Kernels)> Instance = new(() =>
    {
        var context = EmbedRt.Kernels.Cuda.GpuDevice.CreateContext(simulator: true);
        var accelerator = context.CreateCPUAccelerator(0);
        return (context, accelerator, new EmbedRt.Kernels.Cuda.DeviceKernels(accelerator));
    });

    public static Accelerator Accelerator => Instance.Value.Accelerator;
    public static EmbedRt.Kernels.Cuda.DeviceKernels Kernels => Instance.Value.Kernels;

    public static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(T[] values) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(4, (values.Length + 3) / 4 * 4));
        buffer.MemSetToZero();
        if (values.Length > 0) buffer.View.BaseView.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }

    public static float[] Download(MemoryBuffer1D<float, Stride1D.Dense> buffer, int length)
    {
        var values = new float[length];
        buffer.View.BaseView.SubView(0, length).CopyToCPU(values);
        return values;
    }
}
