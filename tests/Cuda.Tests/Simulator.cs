using EmbedRt.Kernels.Cuda;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// One ILGPU CPU-simulator device for the whole test run: its accelerator and compiled kernels (seconds to build)
/// serve the kernel tests and every model the tests load through <see cref="Device"/>, as an app's models share one.
/// Tests that load models through it, count its bytes or change its settings are in the <see cref="SimulatorCollection"/>,
/// so they never run at the same time.
/// </summary>
public static class Simulator
{
    private static readonly Lazy<(GpuDevice Device, DeviceKernels Kernels)> Instance = new(() =>
    {
        var device = GpuDevice.CpuSimulator();
        return (device, new DeviceKernels(device.Shared.Kernels, device.Shared.Accelerator.DefaultStream));
    });

    public static GpuDevice Device => Instance.Value.Device;
    public static Accelerator Accelerator => Instance.Value.Kernels.Accelerator;
    public static DeviceKernels Kernels => Instance.Value.Kernels;

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

/// <summary>Tests that load models through <see cref="Simulator.Device"/>: one at a time (its byte counters and settings are shared).</summary>
[CollectionDefinition(Name)]
public sealed class SimulatorCollection
{
    public const string Name = "simulator device";
}
