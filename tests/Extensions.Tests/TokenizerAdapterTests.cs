using System.Buffers;
using System.Text.Json;
using EmbedRt.TestKit;
using EmbedRt.Tokenizers;

namespace EmbedRt.Extensions.Tests;

/// <summary>
/// The Microsoft.ML.Tokenizers adapter against Hugging Face's own encodings (tests/fixtures: every single-text case
/// of the four real vocabularies, and the tiny XLM-R model's cases for the Unigram path).
/// </summary>
public class TokenizerAdapterTests
{
    public static TheoryData<string> Vocabularies => new() { "bert-base-uncased", "bert-base-chinese", "baai-bge-small-en", "bert-base-multilingual-cased" };

    private sealed record Case(string Text, int[] Ids, string[] Tokens);

    private static List<Case> Cases(string path, string idsKey) =>
        (path.EndsWith(".jsonl") ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement)
            : JsonDocument.Parse(File.ReadAllBytes(path)).RootElement.GetProperty("cases").EnumerateArray())
        .Where(c => !c.TryGetProperty("pair", out var pair) || pair.ValueKind != JsonValueKind.String)   // the Tokenizer API has no pairs
        .Select(c => new Case(c.GetProperty("text").GetString()!,
            c.GetProperty(idsKey).EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray()))
        .ToList();

    [Theory, MemberData(nameof(Vocabularies))]
    public void Every_fixture_case_gives_hugging_faces_ids_tokens_and_count(string vocabulary)
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Tokenizer(vocabulary));
        var cases = Cases(Path.Combine(Fixtures.Tokenizer(vocabulary), "cases.jsonl"), "ids");
        Assert.True(cases.Count > 300);
        foreach (var c in cases)
        {
            Assert.Equal(c.Ids, tokenizer.EncodeToIds(c.Text));
            Assert.Equal(c.Ids.Length, tokenizer.CountTokens(c.Text));
            var tokens = tokenizer.EncodeToTokens(c.Text, out _);
            Assert.Equal(c.Ids, tokens.Select(t => t.Id));
            Assert.Equal(c.Tokens, tokens.Select(t => t.Value));
        }
    }

    [Fact]
    public void Xlmr_unigram_cases_match_and_decode_back_to_the_text()
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Model("xlmr-tiny-m3"));
        var cases = Cases(Fixtures.ModelReference("xlmr-tiny-m3"), "input_ids");
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            Assert.Equal(c.Ids, tokenizer.EncodeToIds(c.Text));
            Assert.Equal(c.Tokens, tokenizer.EncodeToTokens(c.Text, out _).Select(t => t.Value));
        }
        Assert.Equal("Hello world", tokenizer.Decode(tokenizer.EncodeToIds("Hello world"), skipSpecialTokens: true));
        Assert.Equal("<s> Hello world</s>", tokenizer.Decode(tokenizer.EncodeToIds("Hello world")));
    }

    [Fact]
    public void Decode_joins_wordpieces_and_cleans_up_as_hugging_face()
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Tokenizer("bert-base-uncased"));
        var ids = tokenizer.EncodeToIds("Hello, world! Tokenization works.");
        Assert.Equal("hello, world! tokenization works.", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("[CLS] hello, world! tokenization works. [SEP]", tokenizer.Decode(ids));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([int.MaxValue]));

        var destination = new char[10];
        Assert.Equal(OperationStatus.DestinationTooSmall, tokenizer.Decode(ids, destination, out int consumed, out int written));
        Assert.Equal(tokenizer.Decode(ids.Take(consumed)), new string(destination, 0, written));
        Assert.True(consumed > 0 && consumed < ids.Count);
    }

    [Fact]
    public void Without_special_tokens_only_the_added_ends_are_dropped()
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Tokenizer("bert-base-uncased"), addSpecialTokens: false);
        Assert.Equal([7592, 2088], tokenizer.EncodeToIds("hello world"));
        Assert.Equal([103, 7592], tokenizer.EncodeToIds("[MASK] hello"));   // a literal special token in the text stays
        Assert.Equal(0, tokenizer.CountTokens(""));
    }

    /// <summary>Offsets are the library's Hugging Face-exact spans (checked against HF in Runtime.Tests), through normalization.</summary>
    [Fact]
    public void Token_offsets_are_spans_of_the_original_text()
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Tokenizer("bert-base-uncased"));
        const string text = "Héllo  WORLD 中文";
        var tokens = tokenizer.EncodeToTokens(text, out _);
        Assert.Equal(["[CLS]", "hello", "world", "中", "文", "[SEP]"], tokens.Select(t => t.Value));
        Assert.Equal(["", "Héllo", "WORLD", "中", "文", ""], tokens.Select(t => text[t.Offset]));
        Assert.Equal(new Range(0, 0), tokens[0].Offset);

        var xlmr = EmbedRtTokenizer.Load(Fixtures.Model("xlmr-tiny-m3"), addSpecialTokens: false);
        var pieces = xlmr.EncodeToTokens("ﬁne day", out _);
        Assert.Equal(0, pieces[0].Offset.Start.Value);   // the ligature "ﬁ" is "fi" after the charsmap: both map back to it
        Assert.Equal(7, pieces[^1].Offset.End.Value);
        Assert.All(pieces, p => Assert.InRange(p.Offset.Start.Value, 0, p.Offset.End.Value));
    }

    [Fact]
    public void A_token_limit_cuts_the_text_where_the_prefix_or_suffix_fits()
    {
        var tokenizer = EmbedRtTokenizer.Load(Fixtures.Tokenizer("bert-base-uncased"));
        const string text = "the quick brown fox jumps over the lazy dog";   // 9 words, 11 tokens with [CLS] [SEP]
        var ids = tokenizer.EncodeToIds(text, maxTokenCount: 6, out _, out int consumed);
        Assert.Equal(6, ids.Count);
        Assert.Equal(tokenizer.EncodeToIds(text[..consumed]), ids);
        Assert.StartsWith("the quick brown fox", text[..consumed]);

        int index = tokenizer.GetIndexByTokenCount(text, 6, out _, out int count);
        Assert.Equal(consumed, index);
        Assert.Equal(6, count);
        int fromEnd = tokenizer.GetIndexByTokenCountFromEnd(text, 5, out _, out count);
        Assert.True(count <= 5);
        Assert.EndsWith("lazy dog", text[fromEnd..]);
        Assert.Equal(count, tokenizer.CountTokens(text[fromEnd..]));
        Assert.Equal(text.Length, tokenizer.GetIndexByTokenCount(text, 100, out _, out count));
        Assert.Equal(11, count);
    }

    [Fact]
    public void A_model_folder_without_tokenizer_files_is_a_clear_error()
    {
        var empty = Fixtures.TempDirectory("no-tokenizer");
        var e = Assert.Throws<EmbedRt.Loader.ModelFormatException>(() => EmbedRtTokenizer.Load(empty));
        Assert.Contains(empty, e.Message);
    }
}
