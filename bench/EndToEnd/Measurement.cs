using System.Diagnostics;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>Timing of one engine on one input set: medians over the repetitions.</summary>
internal sealed record Measurement(
    double MedianSeconds,
    double SequencesPerSecond,
    double TokensPerSecond,
    double? MedianLatencyMs,
    double? P90LatencyMs,
    float[][] Vectors)
{
    /// <summary>Whole set through <see cref="IEmbeddingEngine.Embed"/> in one call (the engine batches).</summary>
    public static Measurement Throughput(IEmbeddingEngine engine, InputSet set, int warmup, int repetitions, Progress progress)
    {
        float[][] vectors = [];
        var seconds = new List<double>();
        for (int run = 0; run < warmup + repetitions; run++)
        {
            var watch = Stopwatch.StartNew();
            vectors = engine.Embed(set.Inputs);
            double elapsed = watch.Elapsed.TotalSeconds;
            bool warm = run >= warmup;
            if (warm) seconds.Add(elapsed);
            progress.Report($"{engine.Name} {(warm ? $"run {run - warmup + 1}/{repetitions}" : $"warm-up {run + 1}/{warmup}")}: " +
                            $"{elapsed:F3} s, {set.Inputs.Count / elapsed:F1} seq/s");
        }
        double median = Median(seconds);
        return new Measurement(median, set.Inputs.Count / median, set.TokenCount / median, null, null, vectors);
    }

    /// <summary>One input per call, as a query-serving process sees them; per-call latency over all repetitions.</summary>
    public static Measurement Latency(IEmbeddingEngine engine, InputSet set, int warmup, int repetitions, Progress progress)
    {
        var vectors = new float[set.Inputs.Count][];
        var runSeconds = new List<double>();
        var callMs = new List<double>();
        var single = new TokenEncoding[1];
        for (int run = 0; run < warmup + repetitions; run++)
        {
            bool warm = run >= warmup;
            double total = 0;
            for (int i = 0; i < set.Inputs.Count; i++)
            {
                single[0] = set.Inputs[i];
                long start = Stopwatch.GetTimestamp();
                vectors[i] = engine.Embed(single)[0];
                double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                total += elapsed;
                if (warm) callMs.Add(elapsed * 1000);
            }
            if (warm) runSeconds.Add(total);
            progress.Report($"{engine.Name} {(warm ? $"run {run - warmup + 1}/{repetitions}" : $"warm-up {run + 1}/{warmup}")}: " +
                            $"{total * 1000 / set.Inputs.Count:F2} ms/call");
        }
        double median = Median(runSeconds);
        return new Measurement(median, set.Inputs.Count / median, set.TokenCount / median,
            Median(callMs), Percentile(callMs, 0.9), vectors);
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double fraction)
    {
        if (values.Count == 0) throw new InvalidOperationException("no timed repetitions (--reps must be at least 1)");
        var sorted = values.Order().ToArray();
        double position = fraction * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
