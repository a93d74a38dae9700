using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmbedRt.Devices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Kernels.Cuda;

/// <summary>No usable CUDA device; the message names what is missing (driver, device, compute capability).</summary>
public sealed class GpuUnavailableException(string message) : Exception(message);

/// <summary>
/// The ILGPU devices the encoder can run on: a CUDA GPU, or ILGPU's CPU simulator, which runs the very same
/// kernels (shared memory, barriers, warp shuffles) with every group thread a real thread: correct, but about
/// 10⁴ times slower than native code, for tests and for checking the kernels without a GPU.
/// Pass one in <see cref="EmbeddingOptions.Device"/>.
/// </summary>
public sealed class GpuDevice : IEncoderDevice
{
    /// <summary>The oldest compute capability the kernels are built for (warp shuffles with masks, sm_60+ PTX).</summary>
    public static readonly Version MinimumCapability = new(6, 0);

    private readonly bool _simulator;

    private GpuDevice(bool simulator, string name)
    {
        _simulator = simulator;
        Name = name;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>
    /// Whether encoders loaded from here prepare batch n + 1 while batch n runs (two slots of page-locked staging
    /// and output buffers; the default) or wait for every batch before staging the next (for measuring the overlap).
    /// </summary>
    public bool OverlapBatches { get; set; } = true;

    /// <summary>Bytes copied between host and device by every encoder loaded from here (batch data and outputs, not weights).</summary>
    public DeviceTransfers Transfers { get; } = new();

    /// <summary>The first CUDA GPU; throws <see cref="GpuUnavailableException"/> naming what is missing.</summary>
    public static GpuDevice Cuda() =>
        TryCuda(out var device, out string? problem) ? device! : throw new GpuUnavailableException(problem!);

    /// <summary>The first CUDA GPU, or false with the reason there is none.</summary>
    public static bool TryCuda(out GpuDevice? device, out string? problem)
    {
        device = null;
        problem = FindCuda(out string? name);
        if (problem is not null) return false;
        device = new GpuDevice(simulator: false, name!);
        return true;
    }

    /// <summary>ILGPU's CPU simulator running the GPU kernels (slow; exact same code path).</summary>
    public static GpuDevice CpuSimulator() => new(simulator: true, "cpu-sim (ILGPU CPU accelerator)");

    /// <inheritdoc />
    public IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix)
    {
        var context = CreateContext(_simulator);
        Accelerator? accelerator = null;
        try
        {
            accelerator = _simulator ? context.CreateCPUAccelerator(0) : context.GetCudaDevice(0).CreateAccelerator(context);
            return new DeviceEncoder(context, accelerator, Name, config, checkpoint, weightPrefix, Transfers, OverlapBatches);
        }
        catch
        {
            accelerator?.Dispose();
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An ILGPU context for the simulator (warps of 4, up to 16 threads a group: small groups keep the thread
    /// count, and so the cost, down) or for CUDA (O2, so pointer alignment analysis emits vector loads).
    /// </summary>
    internal static Context CreateContext(bool simulator) => simulator
        ? Context.Create(builder => builder.CPU(new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1))
            .EnableAlgorithms().Optimize(OptimizationLevel.O1))
        : Context.Create(builder => builder.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));

    private static string? FindCuda(out string? name)
    {
        name = null;
        if (!RuntimeFeature.IsDynamicCodeSupported)
            return "CUDA is not available in this build: ILGPU needs dynamic code, which NativeAOT does not have (use the JIT build)";
        string driver = OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1";
        if (!NativeLibrary.TryLoad(driver, out var handle))
            return $"no NVIDIA driver: {driver} could not be loaded";
        NativeLibrary.Free(handle);
        using var context = Context.Create(builder => builder.Cuda());
        var devices = context.GetCudaDevices();
        if (devices.Count == 0) return $"the NVIDIA driver ({driver}) reports no CUDA device";
        var device = devices[0];
        var capability = new Version(device.Architecture?.Major ?? 0, device.Architecture?.Minor ?? 0);
        if (capability < MinimumCapability)
            return $"{device.Name} has compute capability {capability.Major}.{capability.Minor}; the kernels need {MinimumCapability.Major}.{MinimumCapability.Minor} or newer";
        name = $"cuda: {device.Name} (sm_{capability.Major}{capability.Minor})";
        return null;
    }
}
