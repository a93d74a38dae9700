using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.WordPiece;

/// <summary>
/// Hugging Face's WordPiece model: greedy longest-match-first over a word, continuation pieces carrying the
/// continuing_subword_prefix; a word with an unmatchable rest, or longer than max_input_chars_per_word code
/// points, becomes the single unknown token. Lookups take spans: no string is built per token.
/// </summary>
internal sealed class WordPieceModel
{
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _wordStarts;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _continuations;
    private readonly int _longestPiece;

    public WordPieceModel(IReadOnlyDictionary<string, int> vocabulary, int unknownId, string continuingPrefix, int maxInputCharsPerWord)
    {
        var wordStarts = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        var continuations = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (piece, id) in vocabulary)
        {
            wordStarts[piece] = id;
            if (continuingPrefix.Length > 0 && piece.StartsWith(continuingPrefix, StringComparison.Ordinal))
                continuations[piece[continuingPrefix.Length..]] = id;
            _longestPiece = Math.Max(_longestPiece, piece.Length);
        }
        _wordStarts = wordStarts.GetAlternateLookup<ReadOnlySpan<char>>();
        _continuations = (continuingPrefix.Length > 0 ? continuations : wordStarts).GetAlternateLookup<ReadOnlySpan<char>>();
        UnknownId = unknownId;
        MaxInputCharsPerWord = maxInputCharsPerWord;
        ContinuingPrefix = continuingPrefix;
    }

    public string ContinuingPrefix { get; }

    public int UnknownId { get; }

    public int MaxInputCharsPerWord { get; }

    /// <summary>Appends the word's pieces; with <paramref name="ranges"/>, each piece's (start, end) in the word plus <paramref name="offset"/>.</summary>
    public void EncodeWord(ReadOnlySpan<char> word, GrowableList<int> ids, GrowableList<int>? ranges = null, int offset = 0)
    {
        int firstRange = ranges?.Count ?? 0;
        if (word.Length > MaxInputCharsPerWord && CodePointCount(word) > MaxInputCharsPerWord)
        {
            ids.Add(UnknownId);
            ranges?.AddRange([offset, offset + word.Length]);
            return;
        }
        int firstToken = ids.Count;
        var lookup = _wordStarts;
        for (int start = 0; start < word.Length;)
        {
            int end = Math.Min(word.Length, start + _longestPiece);
            int id = -1;
            while (end > start)
            {
                if (lookup.TryGetValue(word[start..end], out id)) break;
                end--;
                // never cut a surrogate pair: a piece is a whole number of code points
                if (end > start && char.IsLowSurrogate(word[end]) && char.IsHighSurrogate(word[end - 1])) end--;
                id = -1;
            }
            if (id < 0)
            {
                ids.Count = firstToken;
                ids.Add(UnknownId);
                if (ranges is not null)
                {
                    ranges.Count = firstRange;
                    ranges.AddRange([offset, offset + word.Length]);
                }
                return;
            }
            ids.Add(id);
            ranges?.AddRange([offset + start, offset + end]);
            start = end;
            lookup = _continuations;
        }
    }

    private static int CodePointCount(ReadOnlySpan<char> word)
    {
        int count = word.Length;
        for (int i = 1; i < word.Length; i++)
        {
            if (char.IsLowSurrogate(word[i]) && char.IsHighSurrogate(word[i - 1])) count--;
        }
        return count;
    }
}
