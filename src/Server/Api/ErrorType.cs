namespace EmbedRt.Server.Api;

/// <summary>text-embeddings-inference's error kinds, written as TEI writes them ("Validation", ...).</summary>
internal enum ErrorType
{
    /// <summary>The server is loading, failed, or shutting down: 503.</summary>
    Unhealthy,
    /// <summary>The model cannot do this or the forward pass failed: 424.</summary>
    Backend,
    /// <summary>Too many inputs admitted already: 429.</summary>
    Overloaded,
    /// <summary>A malformed or out-of-range request: 422 (413 for a body over the payload limit).</summary>
    Validation,
    /// <summary>The tokenizer refused an input: 422.</summary>
    Tokenizer,
    /// <summary>No inputs: 400.</summary>
    Empty,
}

/// <summary>A request failure that is answered with a TEI- or OpenAI-shaped error body.</summary>
/// <param name="type">The TEI error kind, which decides the status code.</param>
/// <param name="message">The message for the client.</param>
/// <param name="metricLabel">The "err" label of te_request_failure.</param>
/// <param name="param">The request field at fault, when one is (OpenAI's "param").</param>
internal sealed class ApiException(ErrorType type, string message, string metricLabel, string? param = null) : Exception(message)
{
    /// <summary>The TEI error kind.</summary>
    public ErrorType Type { get; } = type;

    /// <summary>The "err" label of te_request_failure.</summary>
    public string MetricLabel { get; } = metricLabel;

    /// <summary>The request field at fault, if known.</summary>
    public string? Param { get; } = param;

    /// <summary>Overrides the status TEI gives <see cref="Type"/> (413 for an oversized body).</summary>
    public int? StatusOverride { get; init; }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode => StatusOverride ?? Type switch
    {
        ErrorType.Unhealthy => 503,
        ErrorType.Backend => 424,
        ErrorType.Overloaded => 429,
        ErrorType.Empty => 400,
        _ => 422,
    };

    /// <summary>A 422 for a field with a wrong type or value.</summary>
    public static ApiException Invalid(string message, string? param = null) => new(ErrorType.Validation, message, "validation", param);

    /// <summary>A 400 for a request with nothing to do.</summary>
    public static ApiException Empty(string message, string? param = null) => new(ErrorType.Empty, message, "empty", param);

    /// <summary>A 424 for a route the model does not support.</summary>
    public static ApiException WrongModelType(string message) => new(ErrorType.Backend, message, "model_type");
}
