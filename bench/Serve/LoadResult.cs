namespace EmbedRt.Bench.Serve;

/// <summary>What one load phase measured: completed requests, refusals and failures, and latency percentiles.</summary>
internal sealed class LoadResult(string label, int clients)
{
    private readonly List<double> _latencies = [];
    private readonly Lock _lock = new();
    private int _refused;
    private int _failed;
    private int _cancelled;

    public string Label => label;
    public int Clients => clients;
    public TimeSpan Elapsed { get; set; }
    public int Completed { get { lock (_lock) return _latencies.Count; } }
    public int Refused => _refused;
    public int Failed => _failed;
    public int Cancelled => _cancelled;
    public double Throughput => Completed / Elapsed.TotalSeconds;

    public void Record(double milliseconds) { lock (_lock) _latencies.Add(milliseconds); }
    public void Refuse() => Interlocked.Increment(ref _refused);
    public void Fail() => Interlocked.Increment(ref _failed);
    public void CancelOne() => Interlocked.Increment(ref _cancelled);

    /// <summary>Two runs of one load as one (the halves of an A-B-B-A interleaving).</summary>
    public static LoadResult Merge(LoadResult a, LoadResult b)
    {
        var merged = new LoadResult(a.Label, a.Clients) { Elapsed = a.Elapsed + b.Elapsed };
        merged._latencies.AddRange(a._latencies.Concat(b._latencies));
        merged._refused = a._refused + b._refused;
        merged._failed = a._failed + b._failed;
        merged._cancelled = a._cancelled + b._cancelled;
        return merged;
    }

    /// <summary>The p-th percentile latency in ms (nearest rank).</summary>
    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_latencies.Count == 0) return double.NaN;
            var sorted = _latencies.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }
}
