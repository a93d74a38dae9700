namespace EmbedRt.Server.Metrics;

/// <summary>A Prometheus histogram: cumulative counts per upper bound, a sum and a count.</summary>
internal sealed class Histogram(double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private readonly Lock _lock = new();
    private double _sum;

    public void Observe(double value)
    {
        int bucket = Array.BinarySearch(bounds, value);
        if (bucket < 0) bucket = ~bucket;
        lock (_lock)
        {
            _counts[bucket]++;
            _sum += value;
        }
    }

    /// <summary>Writes the _bucket, _sum and _count lines.</summary>
    public void Write(TextWriter output, string name, string labels)
    {
        long[] counts;
        double sum;
        lock (_lock)
        {
            counts = (long[])_counts.Clone();
            sum = _sum;
        }
        string prefix = labels.Length == 0 ? "" : labels + ",";
        long cumulative = 0;
        for (int i = 0; i < bounds.Length; i++)
        {
            cumulative += counts[i];
            output.Write($"{name}_bucket{{{prefix}le=\"{PrometheusText.Number(bounds[i])}\"}} {cumulative}\n");
        }
        cumulative += counts[^1];
        output.Write($"{name}_bucket{{{prefix}le=\"+Inf\"}} {cumulative}\n");
        output.Write($"{name}_sum{PrometheusText.Braces(labels)} {PrometheusText.Number(sum)}\n");
        output.Write($"{name}_count{PrometheusText.Braces(labels)} {cumulative}\n");
    }

    /// <summary>TEI's duration buckets: 35 steps of ×1.5 from 15 µs.</summary>
    public static double[] DurationBuckets() => Geometric(0.00001 * 1.5, 1.5, 35);

    /// <summary>Powers of two from 1 to 2^(count - 1).</summary>
    public static double[] PowersOfTwo(int count) => Geometric(1, 2, count);

    private static double[] Geometric(double first, double ratio, int count)
    {
        var bounds = new double[count];
        double value = first;
        for (int i = 0; i < count; i++, value *= ratio) bounds[i] = value;
        return bounds;
    }
}
