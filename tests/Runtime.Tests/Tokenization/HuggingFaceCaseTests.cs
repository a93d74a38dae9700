using EmbedRt.Tokenization;
using Xunit.Abstractions;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>Every line of tests/fixtures/tokenizers/*/cases.jsonl, with both ways of loading the tokenizer.</summary>
public sealed class HuggingFaceCaseTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() =>
        from vocabulary in TokenizerFixtures.Vocabularies
        from source in new[] { TokenizerFixtures.FromTokenizerJson, TokenizerFixtures.FromVocabFiles }
        from index in Enumerable.Range(0, TokenizerFixtures.VocabularyCases(vocabulary).Count)
        select new object[] { vocabulary, source, index, TokenizerFixtures.VocabularyCases(vocabulary)[index].Category };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_hugging_face(string vocabulary, string source, int index, string category)
    {
        var expected = TokenizerFixtures.VocabularyCases(vocabulary)[index];
        var actual = TokenizerFixtures.Vocabulary(vocabulary, source).Encode(expected.Text, expected.Pair);
        Assert.True(category.Length > 0);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.TypeIds, actual.TypeIds);
    }

    [Theory]
    [InlineData(TokenizerFixtures.FromTokenizerJson)]
    [InlineData(TokenizerFixtures.FromVocabFiles)]
    public void Reports_match_counts(string source)
    {
        int total = 0, matched = 0;
        foreach (var vocabulary in TokenizerFixtures.Vocabularies)
        {
            var tokenizer = TokenizerFixtures.Vocabulary(vocabulary, source);
            var cases = TokenizerFixtures.VocabularyCases(vocabulary);
            int ok = cases.Count(c => tokenizer.Encode(c.Text, c.Pair) is var e && e.Ids.SequenceEqual(c.Ids) && e.TypeIds.SequenceEqual(c.TypeIds!));
            output.WriteLine($"{vocabulary} ({source}): {ok}/{cases.Count}");
            total += cases.Count;
            matched += ok;
        }
        Assert.Equal(total, matched);
    }
}
