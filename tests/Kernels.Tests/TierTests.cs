using System.Runtime.Intrinsics;
using EmbedRt.Kernels.Cpu;

namespace EmbedRt.Kernels.Tests;

public class TierTests
{
    [Fact]
    public void DefaultTierFollowsWhatTheHardwareAccelerates()
    {
        string expected = Vector512.IsHardwareAccelerated ? "cpu-avx512"
            : Vector256.IsHardwareAccelerated ? "cpu-avx2"
            : "cpu-scalar";
        using var kernels = new CpuKernels(1);
        Assert.Equal(expected, kernels.Name);
        Assert.Equal(CpuKernels.BestTier, kernels.Tier);
    }

    [Fact]
    public void RequestingAnUnacceleratedTierThrows()
    {
        if (CpuKernels.BestTier == CpuTier.Vector512) return; // every tier runs here
        Assert.Throws<PlatformNotSupportedException>(() => new CpuKernels(1, CpuTier.Vector512));
    }

    [Theory]
    [MemberData(nameof(KernelSets.TierData), MemberType = typeof(KernelSets))]
    public void EachTierReportsItsName(CpuTier tier)
    {
        var expected = tier switch { CpuTier.Vector512 => "cpu-avx512", CpuTier.Vector256 => "cpu-avx2", _ => "cpu-scalar" };
        Assert.Equal(expected, KernelSets.Get(tier, 1).Name);
    }

    [Fact]
    public void ThreadCountMustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuKernels(0));
    }
}
