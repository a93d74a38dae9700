using System.Diagnostics;

namespace EmbedRt.Bench.Serve;

/// <summary>
/// What answering each request when its own forward passes are done buys, in-process and without HTTP noise: one merged
/// library call of many one-input groups (as the server's forward thread makes it), timed from the call's start to each
/// group's answer — with the per-group callback (the server since 16d77fc) and without (every group answered when the
/// call returns, as before). Runs A-B-B-A.
/// </summary>
internal static class Granularity
{
    public static void Run(EmbeddingModel model, Report report, string label, Func<int, string> text, int groups, int rounds)
    {
        var prepared = Enumerable.Range(0, groups).Select(i => model.Prepare([(text(i), null)])).ToArray();
        model.Embed(prepared);
        var whole = new List<double>();
        var progressive = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool perGroup in new[] { false, true, true, false })
            {
                var times = new double[groups];
                long start = Stopwatch.GetTimestamp();
                if (perGroup) model.Embed(prepared, (g, _) => times[g] = Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                else
                {
                    model.Embed(prepared);
                    Array.Fill(times, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                (perGroup ? progressive : whole).AddRange(times);
            }
        }
        report.Line($"| {label} | {groups} | {whole.Average():F0} | {progressive.Average():F0} | {progressive.Average() / whole.Average():F2} | " +
                    $"{Percentile(whole, 0.5):F0} | {Percentile(progressive, 0.5):F0} | {Percentile(progressive, 0.5) / Percentile(whole, 0.5):F2} |");
    }

    public static void Header(Report report)
    {
        report.Line("\n## One merged library call of many one-input requests: time to each request's answer (ms)\n");
        report.Line("| load | requests in the call | mean, whole call | mean, per group | ratio | p50, whole call | p50, per group | ratio |");
        report.Line("|---|---:|---:|---:|---:|---:|---:|---:|");
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
    }
}
