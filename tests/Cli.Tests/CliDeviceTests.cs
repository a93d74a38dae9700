using System.Runtime.InteropServices;
using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>--device: the CUDA kernels on ILGPU's CPU simulator give the CPU's vectors; CUDA without a GPU is one clear error.</summary>
public class CliDeviceTests
{
    private static readonly string Model = Fixtures.Model("bert-tiny-uncased");

    [Fact]
    public void CpuSimulatorGivesTheCpuVectors()
    {
        const string input = "\"hello world\"\n\"a somewhat longer sentence, with punctuation!\"\n\"x\"\n";
        var cpu = CliProcess.Run(input, "embed", "--model", Model, "--device", "cpu");
        var sim = CliProcess.Run(input, "embed", "--model", Model, "--device", "cpu-sim", "--verbose");

        Assert.Equal(0, sim.ExitCode);
        Assert.Contains("device: cpu-sim", sim.Stderr);
        Assert.Contains("the model runs on cpu-sim", sim.Stderr);
        Assert.Equal(3, sim.StdoutLines.Length);
        for (int i = 0; i < 3; i++)
        {
            var expected = Floats(cpu.StdoutLines[i]);
            var actual = Floats(sim.StdoutLines[i]);
            Assert.True(Metrics.MaxAbsError(actual, expected) <= 1e-4, $"line {i + 1}: max abs error {Metrics.MaxAbsError(actual, expected):E2}");
        }
    }

    [Fact]
    public void A_model_the_device_kernels_cannot_run_is_an_argument_error_naming_the_device()
    {
        // Head size 9: the device attention kernels take multiples of 4 (vector loads) up to 64. That is a limit of
        // the option for this model (exit 4), not an internal error (70).
        string model = RandomModel.Write(new ModelShape { Hidden = 36, Heads = 4 });
        var result = CliProcess.Run("\"hello\"\n", "embed", "--model", model, "--device", "cpu-sim");
        Assert.True(result.ExitCode == 4, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Single(result.StderrLines);
        Assert.Contains("--device", result.Stderr);
        Assert.Contains("head size 9", result.Stderr);
        Assert.Equal(0, CliProcess.Run("\"hello\"\n", "embed", "--model", model, "--device", "cpu").ExitCode);
    }

    [Fact]
    public void CudaWithoutAGpuIsOneStderrLineAndAFailingExit()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out var handle))
        {
            NativeLibrary.Free(handle);
            return; // a machine with an NVIDIA driver: bench/gpu.sh covers it
        }
        var result = CliProcess.Run("\"hello\"\n", "embed", "--model", Model, "--device", "cuda");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Empty(result.StdoutLines);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains("--device cuda: no NVIDIA driver", line);
    }

    private static float[] Floats(string line) => JsonDocument.Parse(line).RootElement.EnumerateArray().Select(e => e.GetSingle()).ToArray();
}
