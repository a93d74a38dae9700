using System.Text.Json;

namespace EmbedRt.Cli.Output;

/// <summary>
/// Writes one compact JSON value per line to standard output. Any failure to write (a closed pipe, a full disk,
/// a closed descriptor) becomes an <see cref="OutputException"/> naming stdout.
/// </summary>
internal sealed class JsonLinesOutput : IDisposable
{
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _writer;
    private bool _failed;

    public JsonLinesOutput(Stream stream)
    {
        _stream = new BufferedStream(stream, 1 << 16);
        _writer = new Utf8JsonWriter(_stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public static JsonLinesOutput StandardOutput() => new(Console.OpenStandardOutput());

    public Utf8JsonWriter Writer => _writer;

    /// <summary>Ends the current line's value.</summary>
    public void EndLine() => Guard(() =>
    {
        _writer.Flush();
        _writer.Reset();
        _stream.WriteByte((byte)'\n');
    });

    /// <summary>Hands the lines written so far to the reader of stdout.</summary>
    public void Flush() => Guard(_stream.Flush);

    public static void WriteFloats(Utf8JsonWriter writer, ReadOnlySpan<float> values)
    {
        writer.WriteStartArray();
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) throw new InvalidOperationException("the model produced a non-finite value");
            writer.WriteNumberValue(v);
        }
        writer.WriteEndArray();
    }

    public static void WriteInts(Utf8JsonWriter writer, ReadOnlySpan<int> values)
    {
        writer.WriteStartArray();
        foreach (int v in values) writer.WriteNumberValue(v);
        writer.WriteEndArray();
    }

    /// <summary>Flushes what was written (the lines before an error still reach the reader); failures here are not reported twice.</summary>
    public void Dispose()
    {
        if (_failed) return;
        try
        {
            _writer.Dispose(); // flushes the stream too
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
        }
    }

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException)
        {
            _failed = true;
            // A closed descriptor surfaces as .NET's "Access to the path is denied", which names no path here.
            string why = e is UnauthorizedAccessException ? "it is closed or not open for writing" : e.Message;
            throw new OutputException($"cannot write to stdout: {why}");
        }
    }
}

/// <summary>Standard output could not be written.</summary>
internal sealed class OutputException(string message) : Exception(message);
