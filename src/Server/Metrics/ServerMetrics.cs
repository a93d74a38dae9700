using System.Diagnostics;

namespace EmbedRt.Server.Metrics;

/// <summary>TEI's te_* metrics: request counts and outcomes, the stage durations, input lengths, queue and batch sizes.</summary>
internal sealed class ServerMetrics
{
    private readonly PrometheusText _metrics = new();

    /// <summary>A request arrived; <paramref name="batch"/> when its inputs came as a list.</summary>
    public void RequestStarted(bool batch) => _metrics.Increment("te_request_count", Method(batch));

    public void RequestSucceeded(bool batch, RequestTimings timings, int tokens)
    {
        _metrics.Increment("te_request_success", Method(batch));
        Duration("te_request_duration", Stopwatch.GetElapsedTime(timings.Started));
        Duration("te_request_tokenization_duration", timings.Tokenization);
        Duration("te_request_queue_duration", timings.Queue);
        Duration("te_request_inference_duration", timings.Inference);
        _metrics.Observe("te_request_input_length", tokens, () => Histogram.PowersOfTwo(20));
    }

    /// <summary>A request failed; <paramref name="reason"/> is TEI's err label (validation, batch_size, overloaded, ...).</summary>
    public void RequestFailed(string reason) => _metrics.Increment("te_request_failure", $"err=\"{reason}\"");

    /// <summary>The forward thread of <paramref name="model"/> took a batch.</summary>
    public void BatchTaken(string model, int requests, int tokens)
    {
        string labels = ModelLabel(model);
        _metrics.Observe("te_batch_next_size", requests, () => Histogram.PowersOfTwo(13), labels);
        _metrics.Observe("te_batch_next_tokens", tokens, () => Histogram.PowersOfTwo(21), labels);
    }

    /// <summary>Registers te_queue_size for a model, read at scrape time.</summary>
    public void QueueSize(string model, Func<int> read) => _metrics.Gauge("te_queue_size", ModelLabel(model), () => read());

    public void Write(TextWriter output) => _metrics.Write(output);

    private void Duration(string name, TimeSpan duration) =>
        _metrics.Observe(name, duration.TotalSeconds, Histogram.DurationBuckets);

    private static string Method(bool batch) => batch ? "method=\"batch\"" : "method=\"single\"";

    private static string ModelLabel(string model) => $"model=\"{PrometheusText.Escape(model)}\"";
}

/// <summary>Where a request's time went: tokenization, waiting in the queue, the forward pass.</summary>
internal sealed class RequestTimings
{
    public long Started { get; } = Stopwatch.GetTimestamp();
    public TimeSpan Tokenization { get; set; }
    public TimeSpan Queue { get; set; }
    public TimeSpan Inference { get; set; }
}
