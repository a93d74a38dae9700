using System.Buffers;
using EmbedRt.Tokenization.Unicode;

namespace EmbedRt.Tokenization.AddedTokens;

/// <summary>
/// Finds added tokens in text like Hugging Face's AddedVocabulary: leftmost-longest, non-overlapping matches,
/// with the single_word, lstrip and rstrip rules applied to each match. The longest match at a position comes
/// from a trie, so the cost per position does not grow with the number of added tokens.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly AddedToken[] _tokens;
    private readonly AddedTokenTrie _trie;
    private readonly SearchValues<char> _firstChars;

    /// <param name="tokens">Tokens with the text to search for (raw content, or content as normalized).</param>
    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        var patterns = tokens.Where(t => t.Pattern.Length > 0).ToArray();
        _tokens = patterns.Select(t => t.Token).ToArray();
        _trie = new AddedTokenTrie(patterns.Select(t => t.Pattern).ToArray());
        _firstChars = SearchValues.Create(patterns.Select(t => t.Pattern[0]).Distinct().ToArray());
    }

    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>
    /// Finds the next accepted match at or after <paramref name="searchFrom"/>. Whitespace stripped by lstrip
    /// never reaches before <paramref name="segmentStart"/> (the end of the previous match).
    /// </summary>
    public bool TryFindNext(ReadOnlySpan<char> text, int searchFrom, int segmentStart, out int start, out int end, out int id)
    {
        while (searchFrom < text.Length)
        {
            int found = text[searchFrom..].IndexOfAny(_firstChars);
            if (found < 0) break;
            int at = searchFrom + found;
            var (pattern, length) = _trie.LongestPrefix(text[at..]);
            if (pattern < 0)
            {
                searchFrom = at + 1;
                continue;
            }
            start = at;
            end = at + length;
            var added = _tokens[pattern];
            if (added.SingleWord && !IsStandaloneWord(text, start, end))
            {
                searchFrom = end;
                continue;
            }
            if (added.LStrip)
            {
                while (start > segmentStart && IsWhitespaceBefore(text, start, out int width)) start -= width;
            }
            if (added.RStrip)
            {
                while (end < text.Length && CharClass.IsWhitespace(CharClass.CodePointAt(text, end, out int width))) end += width;
            }
            id = added.Id;
            return true;
        }
        start = end = id = 0;
        return false;
    }

    private static bool IsStandaloneWord(ReadOnlySpan<char> text, int start, int end)
    {
        if (start > 0)
        {
            int before = char.IsLowSurrogate(text[start - 1]) && start >= 2 ? CharClass.CodePointAt(text, start - 2, out _) : text[start - 1];
            if (CharClass.IsWordChar(before)) return false;
        }
        return end >= text.Length || !CharClass.IsWordChar(CharClass.CodePointAt(text, end, out _));
    }

    private static bool IsWhitespaceBefore(ReadOnlySpan<char> text, int index, out int width)
    {
        width = 1;
        return CharClass.IsWhitespace(text[index - 1]);
    }
}
