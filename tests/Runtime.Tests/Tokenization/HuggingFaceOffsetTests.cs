using System.IO.Compression;
using System.Text.Json;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// Token offsets against Hugging Face tokenizers 0.23.2 itself (tests/fixtures/hfcases/offsets.json.gz, made by
/// tools/hfcases/offsets.mjs): every fixture text and texts chosen to move offsets (NFC/NFD accents, CJK, emoji
/// sequences, combining marks, control chars, literal special tokens, runs of spaces, fullwidth and ligature forms).
/// </summary>
public sealed class HuggingFaceOffsetTests
{
    private sealed record Case(string Tokenizer, string Text, int[] Ids, (int Start, int End)[] Offsets, bool[] Special);

    private static readonly Lazy<IReadOnlyList<Case>> s_cases = new(() =>
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Fixtures.Root, "hfcases", "offsets.json.gz")), CompressionMode.Decompress);
        using var doc = JsonDocument.Parse(gzip);
        var texts = doc.RootElement.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("tokenizer").GetString()!,
            texts[c.GetProperty("text").GetInt32()],
            c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            c.GetProperty("offsets").EnumerateArray().Select(o => (o[0].GetInt32(), o[1].GetInt32())).ToArray(),
            c.GetProperty("special").EnumerateArray().Select(e => e.GetInt32() == 1).ToArray())).ToList();
    });

    public static TheoryData<string> Tokenizers() =>
        ["vocab:bert-base-uncased", "vocab:bert-base-chinese", "vocab:bert-base-multilingual-cased", "model:xlmr-tiny-m3"];

    private static ITextTokenizer Load(string name) => name.StartsWith("vocab:", StringComparison.Ordinal)
        ? TokenizerFixtures.Vocabulary(name[6..], TokenizerFixtures.FromTokenizerJson)
        : TokenizerFixtures.Model(name[6..], TokenizerFixtures.FromTokenizerJson);

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Offsets_equal_hugging_face(string name)
    {
        var tokenizer = (ITokenOffsets)Load(name);
        var cases = s_cases.Value.Where(c => c.Tokenizer == name).ToList();
        Assert.True(cases.Count > 300, $"{name}: only {cases.Count} cases");
        var failures = new List<string>();
        foreach (var c in cases)
        {
            var actual = tokenizer.EncodeWithOffsets(c.Text);
            var expected = c.Ids.Select((id, i) => new TokenOffset(id, c.Offsets[i].Start, c.Offsets[i].End, c.Special[i])).ToArray();
            if (!expected.SequenceEqual(actual))
                failures.Add($"{JsonSerializer.Serialize(c.Text)}\n  expected {string.Join(' ', expected.Select(Show))}\n  actual   {string.Join(' ', actual.Select(Show))}");
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} of {cases.Count} texts differ\n" + string.Join('\n', failures.Take(8)));
    }

    [Fact]
    public void Without_special_tokens_the_text_tokens_keep_their_offsets()
    {
        var tokenizer = (ITokenOffsets)Load("model:xlmr-tiny-m3");
        var with = tokenizer.EncodeWithOffsets("Hello world");
        Assert.Equal(with.Skip(1).SkipLast(1), tokenizer.EncodeWithOffsets("Hello world", addSpecialTokens: false));
        Assert.Empty(tokenizer.EncodeWithOffsets("", addSpecialTokens: false));
    }

    private static string Show(TokenOffset t) => $"{t.Id}({t.Start},{t.End}){(t.Special ? "s" : "")}";
}
