using System.Globalization;
using EmbedRt.Server.Api;
using EmbedRt.Server.Metrics;
using EmbedRt.Server.Models;
using Microsoft.AspNetCore.Http;

namespace EmbedRt.Server.Routes;

/// <summary>Checks and bookkeeping shared by the inference routes.</summary>
internal static class RequestChecks
{
    /// <summary>Refuses a client batch over --max-client-batch-size, unless big batches are split server-side.</summary>
    public static void BatchSize(ServerOptions options, int count)
    {
        if (count > options.MaxClientBatchSize && !options.SplitClientBatches)
            throw new ApiException(ErrorType.Validation,
                $"batch size {count} > maximum allowed batch size {options.MaxClientBatchSize}", "batch_size");
    }

    /// <summary>TEI's truncation_direction: "Left"/"left" or "Right"/"right" (its serde aliases); absent means right.</summary>
    public static TruncationDirection TruncationDirection(string? direction) => direction switch
    {
        null or "right" or "Right" => EmbedRt.TruncationDirection.Right,
        "left" or "Left" => EmbedRt.TruncationDirection.Left,
        _ => throw ApiException.Invalid($"truncation_direction must be `Left` or `Right`, not `{direction}`", "truncation_direction"),
    };

    /// <summary>Admits the inputs under the model's in-flight limit, or answers 429; dispose to release.</summary>
    public static Admission Admit(ServedModel model, int count) =>
        model.Limit.TryAcquire(count)
            ? new Admission(model, count)
            : throw new ApiException(ErrorType.Overloaded, $"Model is overloaded ({model.Limit.Capacity} inputs already in flight)", "overloaded");

    /// <summary>TEI's timing headers.</summary>
    public static void TimingHeaders(HttpContext context, RequestTimings timings, int tokens, int characters)
    {
        var headers = context.Response.Headers;
        headers["x-compute-characters"] = characters.ToString(CultureInfo.InvariantCulture);
        headers["x-compute-tokens"] = tokens.ToString(CultureInfo.InvariantCulture);
        headers["x-total-time"] = Milliseconds(System.Diagnostics.Stopwatch.GetElapsedTime(timings.Started));
        headers["x-tokenization-time"] = Milliseconds(timings.Tokenization);
        headers["x-queue-time"] = Milliseconds(timings.Queue);
        headers["x-inference-time"] = Milliseconds(timings.Inference);
    }

    public static int Characters(IEnumerable<ModelInput> inputs) => inputs.Sum(input => input.Text?.Length ?? input.Ids!.Length);

    private static string Milliseconds(TimeSpan time) => ((long)time.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    public readonly struct Admission(ServedModel model, int count) : IDisposable
    {
        public void Dispose() => model.Limit.Release(count);
    }
}
