using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// One ILGPU context, its accelerator (on CUDA: one CUDA context, ~300 MB of device memory before any weight) and
/// the kernels compiled for it, shared by every encoder a <see cref="GpuDevice"/> loads. Reference-counted: the
/// device holds it until it is disposed and each encoder until it is; the last one out frees it, so models and
/// the device may be disposed in any order.
/// </summary>
internal sealed class SharedAccelerator
{
    private int _holders = 1;

    private SharedAccelerator(Context context, Accelerator accelerator, KernelSet kernels)
    {
        Context = context;
        Accelerator = accelerator;
        Kernels = kernels;
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }
    public KernelSet Kernels { get; }

    /// <summary>Whether the last holder has let go (the accelerator and context are disposed).</summary>
    public bool IsFreed => Volatile.Read(ref _holders) == 0;

    /// <summary>A context and accelerator for the first CUDA GPU or for the CPU simulator, its kernels compiled; one holder (the caller).</summary>
    public static SharedAccelerator Create(bool simulator)
    {
        var context = CreateContext(simulator);
        Accelerator? accelerator = null;
        try
        {
            accelerator = simulator ? context.CreateCPUAccelerator(0) : context.GetCudaDevice(0).CreateAccelerator(context);
            return new SharedAccelerator(context, accelerator, new KernelSet(accelerator));
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
    public static Context CreateContext(bool simulator) => simulator
        ? Context.Create(builder => builder.CPU(new CPUDevice(numThreadsPerWarp: 4, numWarpsPerMultiprocessor: 4, numMultiprocessors: 1))
            .EnableAlgorithms().Optimize(OptimizationLevel.O1))
        : Context.Create(builder => builder.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));

    /// <summary>One more holder; only called while another still holds it (the device, under its lock).</summary>
    public void Hold() => Interlocked.Increment(ref _holders);

    /// <summary>A holder lets go; the last one frees the accelerator and the context.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left < 0) throw new InvalidOperationException("the shared accelerator was released more often than held");
        if (left > 0) return;
        Accelerator.Dispose();
        Context.Dispose();
    }
}
