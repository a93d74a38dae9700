using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace EmbedRt.Cli.Input;

/// <summary>
/// Reads JSON Lines from a byte stream one line at a time: each line is checked as UTF-8 and parsed as one JSON
/// value on its own, so every problem (invalid UTF-8, invalid JSON, duplicate keys, an empty line) is an
/// <see cref="InputException"/> naming its exact 1-based line. Only the current line is held in memory.
/// A UTF-8 byte order mark at the start and a CR before each LF are accepted.
/// </summary>
/// <example>
/// <code>
/// foreach (var text in JsonLinesReader.Read(stream, line => line.String())) …
/// </code>
/// </example>
internal sealed class JsonLinesReader(Stream stream, Func<int, bool>? includeLine = null)
{
    /// <summary>A line longer than this is refused rather than risking an out-of-memory crash.</summary>
    public const int MaxLineBytes = 1 << 30;

    private const int InitialBuffer = 1 << 16;
    private static readonly JsonDocumentOptions s_options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    private byte[] _buffer = new byte[InitialBuffer];
    private int _start, _end;
    private bool _endOfStream;

    /// <summary>Number of the line last read (1-based); 0 before the first.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Parses every line of <paramref name="stream"/> with <paramref name="parse"/>, lazily, in order.</summary>
    /// <exception cref="InputException">A line is not valid UTF-8, not one JSON value, or rejected by <paramref name="parse"/>.</exception>
    public static IEnumerable<T> Read<T>(Stream stream, Func<JsonLine, T> parse)
    {
        var reader = new JsonLinesReader(stream);
        while (reader.TryRead(parse, out var record)) yield return record;
    }

    /// <summary>
    /// Reads the next line that <c>includeLine</c> selects (all by default; skipped lines are only counted, not
    /// checked) and parses it; false at the end of the stream.
    /// </summary>
    public bool TryRead<T>(Func<JsonLine, T> parse, out T record)
    {
        while (NextLine(out var bytes))
        {
            if (includeLine is not null && !includeLine(LineNumber)) continue;
            record = Parse(bytes, parse);
            return true;
        }
        record = default!;
        return false;
    }

    private T Parse<T>(ReadOnlyMemory<byte> bytes, Func<JsonLine, T> parse)
    {
        var span = bytes.Span;
        if (LineNumber == 1 && span.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        if (!Utf8.IsValid(bytes.Span)) throw new InputException($"line {LineNumber}: not valid UTF-8 ({DescribeInvalidUtf8(bytes.Span)})");
        if (IsBlank(bytes.Span)) throw new InputException($"line {LineNumber}: empty line (expected a JSON value)");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, s_options);
        }
        catch (JsonException e)
        {
            throw new InputException($"line {LineNumber}: invalid JSON ({WithoutPosition(e.Message)})");
        }
        using (document) return parse(new JsonLine(document.RootElement, LineNumber));
    }

    /// <summary>Finds the next complete line (without its LF or CRLF), reading more of the stream as needed.</summary>
    private bool NextLine(out ReadOnlyMemory<byte> line)
    {
        int scanned = 0; // bytes of the pending line already searched (Fill may move the line)
        while (true)
        {
            int newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int end = _start + scanned + newline;
                line = Take(end, end + 1);
                return true;
            }
            scanned = _end - _start;
            if (_endOfStream)
            {
                if (_start == _end)
                {
                    line = default;
                    return false;
                }
                line = Take(_end, _end);
                return true;
            }
            Fill();
        }
    }

    private ReadOnlyMemory<byte> Take(int end, int next)
    {
        LineNumber++;
        int start = _start;
        _start = next;
        if (end > start && _buffer[end - 1] == '\r') end--;
        return _buffer.AsMemory(start, end - start);
    }

    /// <summary>Reads more bytes after the unfinished line, moving it to the front or growing the buffer first.</summary>
    private void Fill()
    {
        int pending = _end - _start;
        if (pending >= MaxLineBytes) throw new InputException($"line {LineNumber + 1}: longer than {MaxLineBytes >> 20} MiB");
        if (_start > 0 || pending == _buffer.Length)
        {
            // A huge line grew the buffer; go back to the initial size once the lines are short again.
            int size = pending == _buffer.Length ? Math.Min(MaxLineBytes, 2 * _buffer.Length)
                : _buffer.Length > InitialBuffer && pending < InitialBuffer / 2 ? InitialBuffer : _buffer.Length;
            var target = size == _buffer.Length ? _buffer : new byte[size];
            Buffer.BlockCopy(_buffer, _start, target, 0, pending);
            _buffer = target;
            _start = 0;
            _end = pending;
        }
        int read = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _endOfStream = true;
        _end += read;
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;

    private static string DescribeInvalidUtf8(ReadOnlySpan<byte> line)
    {
        for (int i = 0; i < line.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(line[i..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
                return $"byte 0x{line[i]:X2} at byte {i + 1} of the line";
            i += consumed;
        }
        return "truncated sequence";
    }

    /// <summary>System.Text.Json appends "LineNumber: 0 | BytePositionInLine: n."; the line is ours to name.</summary>
    private static string WithoutPosition(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        string text = at < 0 ? message : message[..at];
        int position = message.IndexOf("BytePositionInLine: ", StringComparison.Ordinal);
        if (position < 0) return text.TrimEnd('.', ' ');
        string column = new(message.AsSpan(position + 20).TrimEnd('.').ToArray());
        return $"{text.TrimEnd('.', ' ')}, at byte {column}";
    }
}

/// <summary>One parsed input line with helpers that report problems by its line number.</summary>
internal readonly record struct JsonLine(JsonElement Root, int Number)
{
    /// <summary>The line as a JSON string.</summary>
    public string String() => Text(Root, "the line");

    public void ExpectObject(string expected, params string[] fields)
    {
        if (Root.ValueKind != JsonValueKind.Object)
            throw Error($"expected {expected}, got {Kind(Root)}");
        foreach (var property in Root.EnumerateObject())
            if (!fields.Contains(property.Name))
                throw Error($"unknown field \"{property.Name}\" (expected {string.Join(", ", fields.Select(f => $"\"{f}\""))})");
    }

    public string RequiredString(string field) =>
        OptionalString(field) ?? throw Error($"object has no \"{field}\" field");

    public string? OptionalString(string field)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String ? Text(value, $"field \"{field}\"") : throw Error($"field \"{field}\" must be a string, got {Kind(value)}");
    }

    public string[] RequiredStrings(string field)
    {
        if (!Root.TryGetProperty(field, out var value)) throw Error($"object has no \"{field}\" field");
        if (value.ValueKind != JsonValueKind.Array) throw Error($"field \"{field}\" must be an array of strings, got {Kind(value)}");
        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Error($"item {items.Count} of \"{field}\" must be a string, got {Kind(item)}");
            items.Add(Text(item, $"item {items.Count} of \"{field}\""));
        }
        return items.ToArray();
    }

    public InputException Error(string problem) => new($"line {Number}: {problem}");

    /// <summary>A JSON string's text; an escaped lone surrogate ("\ud800") is valid JSON but no text, so it is refused.</summary>
    private string Text(JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.String) throw Error($"expected {what} to be a JSON string, got {Kind(value)}");
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Error($"{what} holds an unpaired surrogate escape (like \\ud800), which is not text");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();
}
