using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// GFLOP/s of a benchmark with a known operation count, or that as a share of the FMA peak measured by
/// <see cref="KernelBenchmark.FmaPeakLoop"/> in the same summary (times the thread count for parallel runs).
/// </summary>
public sealed class FlopsColumn(bool percentOfPeak) : IColumn
{
    public string Id => percentOfPeak ? "PercentOfPeak" : "Gflops";
    public string ColumnName => percentOfPeak ? "% peak" : "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => percentOfPeak ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => percentOfPeak
        ? "GFLOP/s over the one-thread FMA peak measured in this run, times the thread count"
        : "Floating-point operations per second (multiply-add = 2)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double gflops = Gflops(summary, benchmarkCase);
        if (double.IsNaN(gflops)) return "-";
        if (!percentOfPeak) return gflops.ToString("F1");
        var peakCase = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.WorkloadMethod.Name == nameof(KernelBenchmark.FmaPeakLoop));
        double peak = peakCase is null ? double.NaN : Gflops(summary, peakCase);
        if (double.IsNaN(peak)) return "-";
        bool isPeak = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(KernelBenchmark.FmaPeakLoop);
        int threads = !isPeak && benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Threads")?.Value is int t ? t : 1;
        return (100 * gflops / (peak * threads)).ToString("F1");
    }

    private static double Gflops(Summary summary, BenchmarkCase benchmarkCase)
    {
        double mean = summary[benchmarkCase]?.ResultStatistics?.Mean ?? double.NaN;
        double flops = Flops(benchmarkCase);
        return flops > 0 ? flops / mean : double.NaN; // flops per ns = GFLOP/s
    }

    private static double Flops(BenchmarkCase benchmarkCase)
    {
        if (benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(KernelBenchmark.FmaPeakLoop))
            return FmaPeak.FlopsPerLoop(KernelBenchmark.PeakIterations);
        object? Param(string name) => benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value;
        return Param("Shape") switch
        {
            GemmShape s => 2.0 * s.M * s.N * s.K,
            AttentionShape a => 4.0 * a.Sequences * a.Length * a.Length * a.Heads * a.HeadDim,
            _ => double.NaN,
        };
    }
}
