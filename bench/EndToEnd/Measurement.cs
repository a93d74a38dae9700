using System.Diagnostics;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>Timing of one engine on one input set: medians over the timed runs.</summary>
internal sealed record Measurement(
    double MedianSeconds,
    double SequencesPerSecond,
    double TokensPerSecond,
    double? MedianLatencyMs,
    double? P90LatencyMs,
    float[][] Vectors)
{
    /// <summary>Whole set through <see cref="IEmbeddingEngine.Embed"/> in one call per run (the engine batches).</summary>
    public static Measurement Throughput(Timings timings, InputSet set)
    {
        double median = Median(timings.RunSeconds);
        return new Measurement(median, set.Inputs.Count / median, set.TokenCount / median, null, null, timings.Vectors);
    }

    /// <summary>One input per call, as a query-serving process sees them; per-call latency over all timed runs.</summary>
    public static Measurement Latency(Timings timings, InputSet set)
    {
        double median = Median(timings.RunSeconds);
        return new Measurement(median, set.Inputs.Count / median, set.TokenCount / median,
            Median(timings.CallMs), Percentile(timings.CallMs, 0.9), timings.Vectors);
    }

    /// <summary>
    /// Runs of one engine over one input set, accumulated over several blocks (see BenchmarkRunner): per run the
    /// whole set either in one call (throughput) or one input per call (latency).
    /// </summary>
    internal sealed class Timings(IEmbeddingEngine engine, InputSet set, bool perCall, Progress progress)
    {
        private int _timedRuns;

        public List<double> RunSeconds { get; } = [];
        public List<double> CallMs { get; } = [];
        public float[][] Vectors { get; private set; } = [];

        public void WarmUp(int runs)
        {
            for (int run = 0; run < runs; run++) Report($"warm-up {run + 1}/{runs}", Run(timed: false));
        }

        public void Time(int runs, int totalRuns)
        {
            for (int run = 0; run < runs; run++)
            {
                double seconds = Run(timed: true);
                RunSeconds.Add(seconds);
                Report($"run {++_timedRuns}/{totalRuns}", seconds);
            }
        }

        private double Run(bool timed)
        {
            if (!perCall)
            {
                var watch = Stopwatch.StartNew();
                Vectors = engine.Embed(set.Inputs);
                return watch.Elapsed.TotalSeconds;
            }
            var vectors = new float[set.Inputs.Count][];
            var single = new TokenEncoding[1];
            double total = 0;
            for (int i = 0; i < set.Inputs.Count; i++)
            {
                single[0] = set.Inputs[i];
                long start = Stopwatch.GetTimestamp();
                vectors[i] = engine.Embed(single)[0];
                double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                total += elapsed;
                if (timed) CallMs.Add(elapsed * 1000);
            }
            Vectors = vectors;
            return total;
        }

        private void Report(string what, double seconds) => progress.Report(perCall
            ? $"{engine.Name} {what}: {seconds * 1000 / set.Inputs.Count:F2} ms/call"
            : $"{engine.Name} {what}: {seconds:F3} s, {set.Inputs.Count / seconds:F1} seq/s");
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
