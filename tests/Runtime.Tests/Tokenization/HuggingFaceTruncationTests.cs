using System.IO.Compression;
using System.Text.Json;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// Truncation, both directions, against Hugging Face tokenizers 0.23.2 itself (tests/fixtures/hfcases, made by
/// tools/hfcases/truncation.mjs): single texts and pairs of every fixture category, the empty text, limits from
/// the special tokens alone to one past the text's length, 40K-char texts that are encoded in pieces from their
/// start or end (the production piece size, and tiny pieces so that cuts land everywhere), and pairs of repeated
/// words where which text counts as the longer one depends on where Hugging Face stops counting.
/// </summary>
public sealed class HuggingFaceTruncationTests
{
    private sealed record Case(string Tokenizer, TruncationDirection Direction, string Text, string? Pair, int MaxLength, int[] Ids, int[] TypeIds);

    private static readonly Lazy<IReadOnlyList<Case>> s_cases = new(() =>
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Fixtures.Root, "hfcases", "truncation.json.gz")), CompressionMode.Decompress);
        using var doc = JsonDocument.Parse(gzip);
        var texts = doc.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("tokenizer").GetString()!,
            c.GetProperty("direction").GetString() == "left" ? TruncationDirection.Left : TruncationDirection.Right,
            texts[c.GetProperty("text").GetInt32()],
            c.TryGetProperty("pair", out var pair) ? texts[pair.GetInt32()] : null,
            c.GetProperty("max_length").GetInt32(),
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("type_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray())).ToList();
    });

    public static TheoryData<string> Tokenizers() =>
        ["vocab:bert-base-uncased", "vocab:bert-base-chinese", "vocab:bert-base-multilingual-cased", "model:xlmr-tiny-m3"];

    private static ITextTokenizer Load(string name) => name.StartsWith("vocab:", StringComparison.Ordinal)
        ? TokenizerFixtures.Vocabulary(name[6..], TokenizerFixtures.FromTokenizerJson)
        : TokenizerFixtures.Model(name[6..], TokenizerFixtures.FromTokenizerJson);

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Equals_hugging_face_on_every_case(string name)
    {
        var tokenizer = Load(name);
        var cases = s_cases.Value.Where(c => c.Tokenizer == name).ToList();
        Assert.True(cases.Count > 10_000, $"{name}: only {cases.Count} cases");
        var buffer = new TokenBuffer();
        foreach (var c in cases)
        {
            // 0: the production piece size; 37 and 1: pieces small enough that every text is cut many times
            int[] pieceSizes = c.Text.Length + (c.Pair?.Length ?? 0) > 20_000 ? [0, 37, 1] : [0, 37];
            foreach (int pieceChars in pieceSizes)
            {
                PipelineTokenizer.t_pieceCharsForTests = pieceChars;
                try
                {
                    var actual = tokenizer.Encode(c.Text, c.Pair, c.MaxLength, c.Direction);
                    string what = $"{name}, {c.Direction}, limit {c.MaxLength}, pieces of {pieceChars}, text[{c.Text.Length}] {Shown(c.Text)}" +
                        (c.Pair is null ? "" : $", pair[{c.Pair.Length}] {Shown(c.Pair)}");
                    Assert.True(c.Ids.SequenceEqual(actual.Ids), $"ids differ: {what}\n expected {string.Join(',', c.Ids)}\n actual   {string.Join(',', actual.Ids)}");
                    Assert.True(c.TypeIds.SequenceEqual(actual.TypeIds), $"type ids differ: {what}");
                    if (c.Pair is null) tokenizer.Encode(c.Text, buffer, c.MaxLength, c.Direction);
                    else tokenizer.EncodePair(c.Text, c.Pair, buffer, c.MaxLength, c.Direction);
                    Assert.True(c.Ids.AsSpan().SequenceEqual(buffer.Ids), $"buffer ids differ: {what}");
                }
                finally
                {
                    PipelineTokenizer.t_pieceCharsForTests = 0;
                }
            }
        }
    }

    [Fact]
    public void Left_keeps_the_end_and_right_the_beginning()
    {
        var bert = Load("vocab:bert-base-uncased");
        var content = bert.Encode("one two three four five").Ids[1..^1];
        Assert.Equal([101, .. content[^2..], 102], bert.Encode("one two three four five", null, 4, TruncationDirection.Left).Ids);
        Assert.Equal([101, .. content[..2], 102], bert.Encode("one two three four five", null, 4, TruncationDirection.Right).Ids);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 0)]
    public void Limit_below_the_special_tokens_throws(bool pair, int maxLength)
    {
        // Hugging Face silently returns an untruncated or oddly cut encoding here; EmbedRt names the problem.
        var bert = Load("vocab:bert-base-uncased");
        Assert.Throws<ArgumentOutOfRangeException>(() => bert.Encode("hello world", pair ? "again" : null, maxLength, TruncationDirection.Left));
    }

    [Fact]
    public void Empty_texts_keep_their_special_tokens()
    {
        var xlmr = Load("model:xlmr-tiny-m3");
        Assert.Equal([0, 2], xlmr.Encode("", null, 2, TruncationDirection.Left).Ids);
        Assert.Equal([0, 2, 2, 2], xlmr.Encode("", "", 4, TruncationDirection.Left).Ids);
    }

    private static string Shown(string text) => text.Length <= 60 ? JsonSerializer.Serialize(text) : JsonSerializer.Serialize(text[..60]) + "…";
}
