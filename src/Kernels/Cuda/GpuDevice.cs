using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EmbedRt.Devices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using ILGPU;
using ILGPU.Runtime;
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
/// <remarks>
/// One instance is one ILGPU context and accelerator (on CUDA one CUDA context) with the kernels compiled once,
/// created at the first <see cref="Load"/> and shared by every model loaded through the instance: load several
/// models (an embedder and a reranker, a server's models) through one device, not one device each. Each model
/// queues its batches on its own stream, so models run concurrently from different threads without waiting for
/// each other's batches. Dispose the device when done (with DI, register it as a singleton: the container does);
/// models still loaded keep the accelerator alive until they are disposed too, in any order. Loading through a
/// disposed device throws <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class GpuDevice : IEncoderDevice, IDisposable
{
    /// <summary>The oldest compute capability the kernels are built for (warp shuffles with masks, sm_60+ PTX).</summary>
    public static readonly Version MinimumCapability = new(6, 0);

    private readonly bool _simulator;
    private readonly Lock _lock = new();
    private SharedAccelerator? _shared;
    private bool _disposed;

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
    /// Read at each <see cref="Load"/>: models already loaded keep theirs.
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

    /// <summary>Kernels compiled on this device's accelerator so far (0 before the first load).</summary>
    internal int CompiledKernels => _shared?.Kernels.Compiled ?? 0;

    /// <summary>The accelerator the device's models share, created (its kernels compiled) if no model was loaded yet.</summary>
    /// <exception cref="ObjectDisposedException">The device is disposed.</exception>
    internal SharedAccelerator Shared
    {
        get
        {
            lock (_lock) return Open();
        }
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The device is disposed.</exception>
    public IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix)
    {
        // The encoder takes over the hold, and lets go of it if its upload fails.
        return new DeviceEncoder(Hold(), Name, config, checkpoint, weightPrefix, Transfers, OverlapBatches);
    }

    /// <summary>
    /// Lets go of the accelerator: it is freed now if no model loaded from here is alive, else when the last one is
    /// disposed. Later loads throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        SharedAccelerator? shared;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            (shared, _shared) = (_shared, null);
        }
        shared?.Release();
    }

    /// <summary>The shared accelerator with one more holder: the caller.</summary>
    private SharedAccelerator Hold()
    {
        lock (_lock)
        {
            var shared = Open();
            shared.Hold();
            return shared;
        }
    }

    /// <summary>The shared accelerator, created by the first call; under the lock.</summary>
    private SharedAccelerator Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _shared ??= SharedAccelerator.Create(_simulator);
    }

    /// <summary>An ILGPU context like the ones devices create (for kernel tests and the kernel lab).</summary>
    internal static Context CreateContext(bool simulator) => SharedAccelerator.CreateContext(simulator);

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
