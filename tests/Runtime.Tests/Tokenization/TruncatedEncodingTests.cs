using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// A long text is tokenized piece by piece (and, with a max length, stops at the limit); the ids must be exactly
/// those of tokenizing the whole text at once and truncating it (texts of every fixture category, glued in several ways
/// so that the piece cuts land next to every kind of character).
/// </summary>
public sealed class TruncatedEncodingTests
{
    public static TheoryData<string, string> Tokenizers()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in TokenizerFixtures.Vocabularies) data.Add("vocab", name);
        data.Add("model", "xlmr-tiny-m3");
        data.Add("model", "bert-tiny-zh");
        return data;
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Long_single_text_truncated_early_equals_whole_text_truncated(string kind, string name)
    {
        var (tokenizer, cases) = Load(kind, name);
        foreach (string glue in new[] { " ", "", "\n" })
        {
            string text = LongText(cases, glue, 20_000);
            var whole = WithPieces(int.MaxValue, () => tokenizer.Encode(text));
            foreach (int pieceChars in new[] { 0, 1, 37 }) // 0: the production size (16K chars)
            {
                foreach (int limit in new[] { 2, 17, 512, 3001, whole.Ids.Length - 1, whole.Ids.Length + 5 })
                {
                    var expected = Truncated(whole, limit);
                    var actual = WithPieces(pieceChars, () => tokenizer.Encode(text, null, limit));
                    Assert.True(expected.Ids.SequenceEqual(actual.Ids), $"{name}, glue {glue.Length}, pieces of {pieceChars}: ids differ at limit {limit}");
                    Assert.Equal(expected.TypeIds, actual.TypeIds);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Long_text_without_a_limit_in_pieces_equals_whole_text(string kind, string name)
    {
        var (tokenizer, cases) = Load(kind, name);
        foreach (string glue in new[] { " ", "", "\n" })
        {
            string text = LongText(cases, glue, 40_000);
            var whole = WithPieces(int.MaxValue, () => tokenizer.Encode(text));
            foreach (int pieceChars in new[] { 0, 1, 37 })
            {
                var actual = WithPieces(pieceChars, () => tokenizer.Encode(text));
                Assert.True(whole.Ids.SequenceEqual(actual.Ids), $"{name}, glue {glue.Length}, pieces of {pieceChars}: ids differ");
                Assert.Equal(whole.TypeIds, actual.TypeIds);
            }
        }
    }

    /// <summary>Pairs: a short query with a long passage either way round, and two long texts (odd and even limits).</summary>
    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Long_pair_truncated_early_equals_whole_pair_truncated(string kind, string name)
    {
        var (tokenizer, cases) = Load(kind, name);
        string text = LongText(cases, " ", 12_000); // under the production piece size: tokenized whole without test pieces
        string other = LongText(cases.Reverse().ToArray(), "", 9_000);
        string query = cases[0].Text;
        foreach (int limit in new[] { 8, 9, 1001, 3000 })
        {
            foreach (var (a, b) in new[] { (query, text), (text, query), (text, text), (text, other), (other, text) })
            {
                var expected = tokenizer.Encode(a, b, limit);
                foreach (int pieceChars in new[] { 1, 37 })
                {
                    var actual = WithPieces(pieceChars, () => tokenizer.Encode(a, b, limit));
                    Assert.True(expected.Ids.SequenceEqual(actual.Ids), $"{name}, pieces of {pieceChars}: pair ids differ at limit {limit}");
                    Assert.Equal(expected.TypeIds, actual.TypeIds);
                }
            }
        }
    }

    /// <summary>
    /// A long text handed out window by window while it is tokenized (chunk-mean) gives the windows of the whole
    /// encoding: its content ids cut into runs of max length − 2, each between the two specials.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tokenizers))]
    public void Long_text_in_windows_equals_the_whole_text_cut_into_windows(string kind, string name)
    {
        var (tokenizer, cases) = Load(kind, name);
        var windowed = (IWindowedTokenizer)tokenizer;
        string text = LongText(cases, " ", 30_000);
        var whole = WithPieces(int.MaxValue, () => tokenizer.Encode(text));
        foreach (int pieceChars in new[] { 0, 1, 37 })
        {
            foreach (int maxLength in new[] { 3, 8, 512 })
            {
                var expected = whole.Ids[1..^1].Chunk(maxLength - 2).Select(part => (int[])[whole.Ids[0], .. part, whole.Ids[^1]]).ToArray();
                var actual = WithPieces(pieceChars, () => windowed.EncodeWindows(text, maxLength).ToList()); // read while the pieces are set
                Assert.Equal(expected.Length, actual.Count);
                for (int w = 0; w < expected.Length; w++)
                {
                    Assert.True(expected[w].SequenceEqual(actual[w].Ids), $"{name}, pieces of {pieceChars}, max length {maxLength}: window {w} differs");
                    Assert.Equal(new int[expected[w].Length], actual[w].TypeIds);
                }
                Assert.Equal((expected.Length, expected.Sum(ids => (long)ids.Length)), WithPieces(pieceChars, () => windowed.CountWindows(text, maxLength)));
            }
        }
        Assert.Empty(windowed.EncodeWindows("", 8));
        Assert.Equal((0, 0L), windowed.CountWindows("", 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => windowed.EncodeWindows(text, 2)); // no room for content
        Assert.Throws<ArgumentOutOfRangeException>(() => windowed.CountWindows(text, 2));
    }

    private static T WithPieces<T>(int pieceChars, Func<T> encode)
    {
        global::EmbedRt.Tokenization.Pipeline.PipelineTokenizer.t_pieceCharsForTests = pieceChars;
        try
        {
            return encode();
        }
        finally
        {
            global::EmbedRt.Tokenization.Pipeline.PipelineTokenizer.t_pieceCharsForTests = 0;
        }
    }

    private static (ITextTokenizer, IReadOnlyList<ExpectedEncoding>) Load(string kind, string name) => kind == "vocab"
        ? (TokenizerFixtures.Vocabulary(name, TokenizerFixtures.FromTokenizerJson), TokenizerFixtures.VocabularyCases(name))
        : (TokenizerFixtures.Model(name, TokenizerFixtures.FromTokenizerJson), TokenizerFixtures.ModelCases(name));

    private static string LongText(IReadOnlyList<ExpectedEncoding> cases, string glue, int chars)
    {
        var builder = new System.Text.StringBuilder();
        for (int i = 0; builder.Length < chars; i++) builder.Append(cases[i % cases.Count].Text).Append(glue);
        return builder.ToString();
    }

    /// <summary>Hugging Face's truncation of one text: the first limit-2 content tokens between the two specials.</summary>
    private static TokenEncoding Truncated(TokenEncoding whole, int limit)
    {
        if (whole.Ids.Length <= limit) return whole;
        return new TokenEncoding([.. whole.Ids[..(limit - 1)], whole.Ids[^1]], [.. whole.TypeIds[..(limit - 1)], whole.TypeIds[^1]]);
    }
}
