using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>maxLength counts special tokens; singles lose their end, pairs follow HF's longest_first.</summary>
public sealed class TruncationTests
{
    private static ITextTokenizer Bert => TokenizerFixtures.Vocabulary("bert-base-uncased", TokenizerFixtures.FromTokenizerJson);
    private static ITextTokenizer Xlmr => TokenizerFixtures.Model("xlmr-tiny-m3", TokenizerFixtures.FromTokenizerJson);

    private static string Words(int count) => string.Join(' ', Enumerable.Range(0, count).Select(i => ((char)('a' + i)).ToString()));

    private static int[] Content(ITextTokenizer tokenizer, string text) => tokenizer.Encode(text).Ids[1..^1];

    [Theory]
    [InlineData(12, 10)]
    [InlineData(4, 10)]
    [InlineData(12, 12)]
    [InlineData(3, 3)]
    public void Single_text_keeps_its_beginning(int words, int maxLength)
    {
        var content = Content(Bert, Words(words));
        var encoding = Bert.Encode(Words(words), maxLength: maxLength);
        int kept = Math.Min(content.Length, maxLength - 2);
        Assert.Equal([101, .. content[..kept], 102], encoding.Ids);
        Assert.Equal(new int[kept + 2], encoding.TypeIds);
    }

    [Theory]
    // first, second, maxLength, first kept, second kept (BERT pair: 3 special tokens)
    [InlineData(10, 3, 10, 4, 3)]   // only the longer one is cut
    [InlineData(3, 10, 10, 3, 4)]
    [InlineData(5, 5, 10, 3, 4)]    // tie: the odd token goes to the second
    [InlineData(6, 5, 10, 4, 3)]    // the odd token goes to the longer one
    [InlineData(5, 6, 10, 3, 4)]
    [InlineData(20, 20, 3, 0, 0)]   // room for the special tokens only
    [InlineData(2, 2, 30, 2, 2)]    // nothing to cut
    [InlineData(9, 1, 4, 1, 0)]     // one content slot: the odd token goes to the longer one
    public void Pair_truncates_longest_first(int first, int second, int maxLength, int firstKept, int secondKept)
    {
        var a = Content(Bert, Words(first));
        var b = Content(Bert, Words(second));
        var encoding = Bert.Encode(Words(first), Words(second), maxLength);
        Assert.Equal([101, .. a[..firstKept], 102, .. b[..secondKept], 102], encoding.Ids);
        Assert.Equal([.. new int[firstKept + 2], .. Enumerable.Repeat(1, secondKept + 1)], encoding.TypeIds);
    }

    [Fact]
    public void Xlmr_pair_counts_four_special_tokens()
    {
        var a = Content(Xlmr, "data data data science data");
        var b = Content(Xlmr, "hello");
        Assert.True(a.Length > b.Length + 1);
        // one slot more than twice the shorter input: the shorter stays whole, the longer gets the rest
        int maxLength = 4 + 2 * b.Length + 1;
        var encoding = Xlmr.Encode("data data data science data", "hello", maxLength);
        Assert.Equal([0, .. a[..(b.Length + 1)], 2, 2, .. b, 2], encoding.Ids);
        Assert.Equal(maxLength, encoding.Ids.Length);
        Assert.Equal(4, Xlmr.SpecialTokenCount(pair: true));
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(false, -1)]
    public void Max_length_below_special_tokens_throws(bool pair, int maxLength)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.Encode("hello", pair ? "world" : null, maxLength));
        if (pair) Assert.Throws<ArgumentOutOfRangeException>(() => Bert.EncodePair("hello", "world", new TokenBuffer(), maxLength));
        else Assert.Throws<ArgumentOutOfRangeException>(() => Bert.Encode("hello", new TokenBuffer(), maxLength));
    }

    [Fact]
    public void Xlmr_pair_max_length_below_four_throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Xlmr.Encode("hello", "world", 3));
}
