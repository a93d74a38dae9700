using System.Text.Json.Nodes;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;
using EmbedRt.Tokenization.AddedTokens;

namespace EmbedRt.Runtime.Tests.Hardening;

/// <summary>
/// Issue 9, item 6: the trie matcher finds exactly what the former scan over every pattern (longest first) found,
/// flags included, and stays exact with very many added tokens.
/// </summary>
public class AddedTokenTrieTests
{
    /// <summary>The former matcher: at each candidate position, every pattern tried longest first. The oracle.</summary>
    private static (int Pattern, int Length) LongestByScan(IReadOnlyList<string> patterns, ReadOnlySpan<char> text)
    {
        int best = -1, bestLength = 0;
        for (int i = 0; i < patterns.Count; i++)
        {
            var p = patterns[i];
            if (p.Length > bestLength && text.StartsWith(p, StringComparison.Ordinal))
            {
                best = i;
                bestLength = p.Length;
            }
        }
        return (best, bestLength);
    }

    [Theory]
    [InlineData(1, 8, "ab")]
    [InlineData(2, 200, "abc")]
    [InlineData(3, 2000, "ab\u00e9\ud83d\ude00")]
    public void Longest_prefix_equals_the_scan_on_random_patterns(int seed, int count, string alphabet)
    {
        var random = new Random(seed);
        string Word(int max) => new(Enumerable.Range(0, random.Next(1, max)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        var patterns = Enumerable.Range(0, count).Select(_ => Word(7)).ToList();
        patterns.Add(patterns[0]); // a duplicate: the first listed wins, as before
        var trie = new AddedTokenTrie(patterns);
        for (int t = 0; t < 3000; t++)
        {
            var text = Word(12);
            var expected = LongestByScan(patterns, text);
            var actual = trie.LongestPrefix(text);
            Assert.Equal(expected.Length, actual.Length);
            if (expected.Pattern >= 0) Assert.Equal(patterns[expected.Pattern], patterns[actual.Pattern]);
            Assert.True(expected.Pattern < 0 || actual.Pattern == patterns.IndexOf(patterns[actual.Pattern]), "not the first listed of equal patterns");
        }
    }

    [Fact]
    public void Empty_and_single_patterns()
    {
        Assert.Equal((-1, 0), new AddedTokenTrie([]).LongestPrefix("abc"));
        Assert.Equal((0, 3), new AddedTokenTrie(["abc"]).LongestPrefix("abcd"));
        Assert.Equal((-1, 0), new AddedTokenTrie(["abc"]).LongestPrefix("ab"));
        Assert.Equal((1, 2), new AddedTokenTrie(["a", "ab", "abcd"]).LongestPrefix("abc"));
    }

    [Fact]
    public void A_very_long_pattern_builds_without_recursion()
    {
        var longPattern = new string('x', 200_000);
        var trie = new AddedTokenTrie([longPattern, "x"]);
        Assert.Equal((0, longPattern.Length), trie.LongestPrefix(longPattern + "y"));
        Assert.Equal((1, 1), trie.LongestPrefix("xy"));
    }

    [Fact]
    public void Many_added_tokens_tokenize_exactly_with_flags_kept()
    {
        // 100 000 added tokens tok0..tok99999 plus flagged ones; the encodings must match one tokenizer with only the
        // tokens the text uses, which the former matcher handled (and the plain vocabulary for the rest).
        const int count = 100_000, firstId = 40_000;
        var source = Path.Combine(Fixtures.Tokenizer("bert-base-uncased"), "tokenizer.json");
        var many = JsonNode.Parse(File.ReadAllText(source))!;
        var few = JsonNode.Parse(File.ReadAllText(source))!;
        var flagged = new JsonArray
        {
            Token(firstId + count, "[MARK]", lstrip: true, rstrip: true),
            Token(firstId + count + 1, "word", singleWord: true),
            Token(firstId + count + 2, "tok12345678", normalized: true),
        };
        foreach (var token in flagged) { many["added_tokens"]!.AsArray().Add(token!.DeepClone()); few["added_tokens"]!.AsArray().Add(token.DeepClone()); }
        string[] texts =
        [
            "tok7 tok70tok700 xtok7000y tok70000 tok123456 tok99999 tok999990",
            "a [MARK]  b word words sword word. tok1234 TOK12345678 tok12345678",
            "plain text with no added token at all, ünïcödé 你好",
            "tok tok0x to tok",
        ];
        var manyList = many["added_tokens"]!.AsArray();
        for (int i = 0; i < count; i++)
        {
            manyList.Add(Token(firstId + i, "tok" + i));
            if (texts.Any(t => t.Contains("tok" + i, StringComparison.Ordinal))) few["added_tokens"]!.AsArray().Add(Token(firstId + i, "tok" + i));
        }
        Assert.True(few["added_tokens"]!.AsArray().Count < 100);

        var manyTokenizer = Load(many);
        var fewTokenizer = Load(few);
        foreach (var text in texts)
            Assert.Equal(fewTokenizer.Encode(text).Ids, manyTokenizer.Encode(text).Ids);
        Assert.Contains(firstId + 99999, manyTokenizer.Encode("tok99999").Ids);
    }

    private static JsonObject Token(int id, string content, bool lstrip = false, bool rstrip = false, bool singleWord = false, bool normalized = false) => new()
    {
        ["id"] = id, ["content"] = content, ["special"] = false, ["single_word"] = singleWord,
        ["lstrip"] = lstrip, ["rstrip"] = rstrip, ["normalized"] = normalized,
    };

    private static ITextTokenizer Load(JsonNode json)
    {
        var dir = Fixtures.TempDirectory("many-added");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        return TextTokenizer.Load(dir);
    }
}
