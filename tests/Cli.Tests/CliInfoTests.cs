using EmbedRt.Cli.Native;
using EmbedRt.Kernels.Cpu;

namespace EmbedRt.Cli.Tests;

/// <summary>embedrt info / --version, and the x86-64 level logic the NativeAOT launcher relies on.</summary>
public class CliInfoTests
{
    [Fact]
    public void Version_names_the_build_and_the_kernel_tier()
    {
        using var kernels = new CpuKernels(1);
        var result = CliProcess.Run("", "--version");
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^embedrt \S+ \(JIT, kernels cpu-[a-z0-9]+, [a-z]+-[a-z0-9]+\)$", result.Stdout.Trim());
        Assert.Contains($"kernels {kernels.Name}", result.Stdout);
    }

    [Fact]
    public void Info_lists_build_kernels_and_machine()
    {
        var result = CliProcess.Run("", "info");
        Assert.Equal(0, result.ExitCode);
        var keys = result.StdoutLines.Select(line => line.Split(':')[0]).ToArray();
        Assert.Equal(["version", "build", "kernels", "machine", "runtime", "path"], keys);
        Assert.Contains("build: JIT", result.StdoutLines);
    }

    [Theory]
    [InlineData("fpu sse4_2 popcnt", 2)]
    [InlineData("sse4_2 avx avx2", 3)]
    [InlineData("sse4_2 avx avx2 avx512f avx512vl", 4)]
    [InlineData("sse4_2 avx2 avx512f avx512vl", 2)]     // no "avx": the OS does not save YMM state
    [InlineData("sse4_2 avx avx2 avx512f", 3)]          // AVX-512 without VL is not x86-64-v4
    [InlineData("sse2 ssse3", 0)]
    public void Linux_flags_cap_the_level(string flags, int expected) =>
        Assert.Equal((IsaLevel)expected, IsaLevels.FromLinuxFlags(flags.Split(' ').ToHashSet()));

    [Fact]
    public void The_JIT_build_never_hands_over_to_a_flavour()
    {
        Assert.False(IsaLevels.IsNativeAot);
        Assert.Null(FlavourLauncher.RunBetterFlavour(["--version"]));
    }

    [Fact]
    public void The_machine_level_is_at_least_what_the_JIT_uses()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.X64.IsSupported) return;
        Assert.True(IsaLevels.Machine() >= IsaLevels.Compiled, $"machine {IsaLevels.Machine()} < JIT {IsaLevels.Compiled}");
    }
}
