using EmbedRt.Devices;
using EmbedRt.Kernels.Cuda;

namespace EmbedRt.Cli;

/// <summary>Resolves --device to an ILGPU device (called only where dynamic code is supported).</summary>
internal static class DeviceSelection
{
    public static IEncoderDevice? Select(string value, bool verbose)
    {
        IEncoderDevice? device = value switch
        {
            "cpu-sim" => GpuDevice.CpuSimulator(),
            "cuda" => GpuDevice.TryCuda(out var cuda, out string? problem) ? cuda : throw new ArgumentException($"--device cuda: {problem}"),
            _ => GpuDevice.TryCuda(out var cuda, out string? problem) ? cuda : Report(problem),
        };
        if (verbose) Console.Error.WriteLine($"embedrt: device: {device?.Name ?? "cpu"}");
        return device;

        IEncoderDevice? Report(string? problem)
        {
            if (verbose) Console.Error.WriteLine($"embedrt: no CUDA ({problem}); using the CPU");
            return null;
        }
    }
}
