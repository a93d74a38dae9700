using System.Text.Json;

namespace EmbedRt.Cli;

/// <summary>Writes one compact JSON value per line to standard output.</summary>
internal sealed class JsonLinesOutput : IDisposable
{
    private readonly Stream _stream;
    private readonly Utf8JsonWriter _writer;

    public JsonLinesOutput(Stream stream)
    {
        _stream = new BufferedStream(stream, 1 << 16);
        _writer = new Utf8JsonWriter(_stream, new JsonWriterOptions { SkipValidation = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public Utf8JsonWriter Writer => _writer;

    /// <summary>Ends the current line's value.</summary>
    public void EndLine()
    {
        _writer.Flush();
        _writer.Reset();
        _stream.WriteByte((byte)'\n');
    }

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

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Flush();
        _stream.Dispose();
    }
}
