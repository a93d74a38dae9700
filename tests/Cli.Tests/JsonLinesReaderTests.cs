using System.Text;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;

namespace EmbedRt.Cli.Tests;

/// <summary>The JSON Lines reader, the bounded input queue and the progress line, in process.</summary>
public class JsonLinesReaderTests
{
    [Fact]
    public void ReadsLinesWithCrLfBomAndNoFinalNewline()
    {
        var bytes = Encoding.UTF8.GetBytes("\uFEFF\"a\"\r\n{\"text\": \"b\"}\n\"c\"");
        Assert.Equal(["a", "b", "c"], JsonLinesReader.Read(new MemoryStream(bytes), InputParsers.Text).ToArray());
    }

    [Fact]
    public void EmptyInputHasNoLines() => Assert.Empty(JsonLinesReader.Read(new MemoryStream(), InputParsers.Text));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(2999)]
    [InlineData(3000)]
    public void InvalidUtf8NamesItsExactLineAcrossReadBlocks(int badLine)
    {
        var input = new MemoryStream();
        for (int line = 1; line <= 3000; line++)
        {
            input.Write(Encoding.UTF8.GetBytes($"\"{line}: {new string('y', line % 50)}"));
            if (line == badLine) input.Write([0xE2, 0x82]); // a truncated three-byte sequence
            input.Write("\"\n"u8);
        }
        Assert.True(input.Length > 64 * 1024);
        input.Position = 0;
        var error = Assert.Throws<InputException>(() => JsonLinesReader.Read(new TrickleStream(input), InputParsers.Text).Count());
        Assert.StartsWith($"line {badLine}: not valid UTF-8", error.Message);
    }

    [Theory]
    [InlineData("\"a\"\n\n\"b\"\n", "line 2: empty line")]
    [InlineData("\"a\"\n{\"text\":\"x\",\"text\":\"y\"}\n", "line 2: invalid JSON (Duplicate property 'text'")]
    [InlineData("\"a\\ud800b\"\n", "line 1: the line holds an unpaired surrogate")]
    [InlineData("{\"text\": \"ok\", \"pair\": \"\\udfff\"}\n", "line 1: field \"pair\" holds an unpaired surrogate")]
    [InlineData("\"a\"\n\"b\"\n[1]\n", "line 3: expected a JSON string")]
    public void BadLinesNameTheirLine(string input, string expected)
    {
        var error = Assert.Throws<InputException>(() => JsonLinesReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(input)), InputParsers.TextOrPair).Count());
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void ALineLongerThanTheBufferIsReadWhole()
    {
        string text = new('z', 300_000);
        var bytes = Encoding.UTF8.GetBytes($"\"short\"\n\"{text}\"\n\"after\"\n");
        Assert.Equal(["short", text, "after"], JsonLinesReader.Read(new TrickleStream(new MemoryStream(bytes)), InputParsers.Text).ToArray());
    }

    /// <summary>However fast the input, the queue holds at most its capacity: memory is bounded by the batch, not the input.</summary>
    [Fact]
    public void InputQueueReadsOnlyAsFarAsItsCapacity()
    {
        var endless = new EndlessLines();
        using var queue = new InputQueue<string>(new JsonLinesReader(endless), InputParsers.Text, capacity: 8);
        var round = new List<Numbered<string>>();
        int taken = 0;
        for (int i = 0; i < 3; i++)
        {
            Assert.True(queue.TakeRound(round, 4));
            Assert.Equal(taken + 1, round[0].Line);
            taken += round.Count;
        }
        Thread.Sleep(300); // let the reader run ahead as far as it can
        // taken + the queue's 8 + the one parsed line waiting to get in, + lines of the block read but not parsed
        Assert.InRange(endless.LinesServed, taken, taken + 8 + 1 + EndlessLines.LinesPerRead);
    }

    [Fact]
    public void InputQueueThrowsABadLineAfterTheLinesBeforeIt()
    {
        var bytes = Encoding.UTF8.GetBytes("\"a\"\n\"b\"\n{\n\"d\"\n");
        using var queue = new InputQueue<string>(new JsonLinesReader(new MemoryStream(bytes)), InputParsers.Text, capacity: 8);
        var round = new List<Numbered<string>>();
        var seen = new List<string>();
        var error = Assert.Throws<InputException>(() =>
        {
            while (queue.TakeRound(round, 1)) seen.Add(round[0].Value);
        });
        Assert.Equal(["a", "b"], seen);
        Assert.StartsWith("line 3:", error.Message);
    }

    [Fact]
    public void ProgressDrawsInPlaceOnlyAfterAMomentAndClears()
    {
        var terminal = new StringWriter();
        var now = TimeSpan.Zero;
        var progress = new Progress(terminal, () => now);
        progress.Add(10);
        Assert.Equal("", terminal.ToString()); // short runs stay silent
        now = TimeSpan.FromSeconds(2);
        progress.Add(990);
        const string drawn = "embedrt: 1,000 lines, 500 lines/s, 00:00:02";
        Assert.Equal("\r" + drawn, terminal.ToString());
        now = TimeSpan.FromSeconds(2.1);
        progress.Add(1);
        Assert.DoesNotContain("1,001", terminal.ToString()); // at most twice a second
        progress.Clear();
        Assert.EndsWith("\r" + new string(' ', drawn.Length) + "\r", terminal.ToString());
        new Progress(null, () => now).Add(5); // no terminal: nothing to draw on
    }

    /// <summary>Returns at most 1000 bytes per read, as a pipe does, so lines straddle reads.</summary>
    private sealed class TrickleStream(Stream inner) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 1000));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>An input that never ends, counting the lines handed out.</summary>
    private sealed class EndlessLines : Stream
    {
        public const int LinesPerRead = 4;
        private static readonly byte[] s_line = "\"text\"\n"u8.ToArray();
        private int _served;

        public int LinesServed => Volatile.Read(ref _served);

        public override int Read(byte[] buffer, int offset, int count)
        {
            int lines = Math.Min(LinesPerRead, count / s_line.Length);
            for (int i = 0; i < lines; i++) s_line.CopyTo(buffer, offset + i * s_line.Length);
            Interlocked.Add(ref _served, lines);
            return lines * s_line.Length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
