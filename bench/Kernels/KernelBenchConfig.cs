using BenchmarkDotNet.Configs;

namespace EmbedRt.Kernels.Bench;

/// <summary>Adds the GFLOP/s and % of peak columns to every kernel benchmark.</summary>
public sealed class KernelBenchConfig : ManualConfig
{
    public KernelBenchConfig()
    {
        AddColumn(new FlopsColumn(percentOfPeak: false), new FlopsColumn(percentOfPeak: true));
    }
}
