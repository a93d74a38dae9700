using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace EmbedRt.Server.Metrics;

/// <summary>
/// Metric families (counters, gauges, histograms) with labelled children, written in the Prometheus text format
/// (version 0.0.4) that TEI's /metrics serves.
/// </summary>
internal sealed class PrometheusText
{
    private readonly ConcurrentDictionary<string, Family> _families = new();

    private sealed class Family(string type)
    {
        public string Type => type;
        public ConcurrentDictionary<string, object> Children { get; } = new();
    }

    /// <summary>Adds to a counter; <paramref name="labels"/> is the text inside the braces, e.g. method="single".</summary>
    public void Increment(string name, string labels = "", long by = 1)
    {
        var cell = (StrongBox<long>)Child(name, "counter", labels, () => new StrongBox<long>());
        Interlocked.Add(ref cell.Value, by);
    }

    /// <summary>Records one observation of a histogram whose buckets are fixed on first use.</summary>
    public void Observe(string name, double value, Func<double[]> bounds, string labels = "") =>
        ((Histogram)Child(name, "histogram", labels, () => new Histogram(bounds()))).Observe(value);

    /// <summary>A gauge read when metrics are written.</summary>
    public void Gauge(string name, string labels, Func<double> read) => Child(name, "gauge", labels, () => read);

    public void Write(TextWriter output)
    {
        foreach (var (name, family) in _families.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            output.Write($"# TYPE {name} {family.Type}\n");
            foreach (var (labels, child) in family.Children.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                switch (child)
                {
                    case StrongBox<long> counter:
                        output.Write($"{name}{Braces(labels)} {Interlocked.Read(ref counter.Value)}\n");
                        break;
                    case Func<double> gauge:
                        output.Write($"{name}{Braces(labels)} {Number(gauge())}\n");
                        break;
                    case Histogram histogram:
                        histogram.Write(output, name, labels);
                        break;
                }
            }
        }
    }

    private object Child(string name, string type, string labels, Func<object> create)
    {
        var family = _families.GetOrAdd(name, _ => new Family(type));
        return family.Children.GetOrAdd(labels, _ => create());
    }

    public static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Escapes a label value (backslash, quote, newline).</summary>
    public static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
