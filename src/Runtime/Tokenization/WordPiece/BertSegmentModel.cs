using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unicode;

namespace EmbedRt.Tokenization.WordPiece;

/// <summary>
/// BertNormalizer, then BertPreTokenizer (split on whitespace, every punctuation char its own word), then WordPiece.
/// </summary>
internal sealed class BertSegmentModel(BertNormalizer normalizer, WordPieceModel model) : ISegmentModel
{
    private const byte Letter = 0, Space = 1, Punctuation = 2;
    private static readonly byte[] s_asciiClasses = BuildAsciiClasses();

    public ReadOnlySpan<char> Normalize(ReadOnlySpan<char> segment, Workspace workspace)
    {
        normalizer.Normalize(segment, workspace, workspace.Normalized, workspace.NormalizedSources);
        return workspace.Normalized.Span;
    }

    public string Normalize(string text)
    {
        var workspace = new Workspace();
        return new string(Normalize(text, workspace));
    }

    public void Encode(ReadOnlySpan<char> normalized, bool atTextStart, Workspace workspace, GrowableList<int> ids)
    {
        var classes = s_asciiClasses;
        int wordStart = -1;
        for (int i = 0; i < normalized.Length;)
        {
            char c = normalized[i];
            byte kind;
            int width = 1;
            if (c < 128) kind = classes[c];
            else
            {
                int codePoint = CharClass.CodePointAt(normalized, i, out width);
                kind = CharClass.IsWhitespace(codePoint) ? Space : CharClass.IsBertPunctuation(codePoint) ? Punctuation : Letter;
            }
            if (kind == Letter)
            {
                if (wordStart < 0) wordStart = i;
            }
            else
            {
                if (wordStart >= 0)
                {
                    EncodeWord(normalized, wordStart, i, workspace, ids);
                    wordStart = -1;
                }
                if (kind == Punctuation) EncodeWord(normalized, i, i + width, workspace, ids);
            }
            i += width;
        }
        if (wordStart >= 0) EncodeWord(normalized, wordStart, normalized.Length, workspace, ids);
    }

    private void EncodeWord(ReadOnlySpan<char> normalized, int start, int end, Workspace workspace, GrowableList<int> ids)
    {
        int first = ids.Count;
        model.EncodeWord(normalized[start..end], ids, workspace.TokenRanges, start);
        workspace.Split(first, ids.Count);
    }

    /// <summary>
    /// Before ASCII whitespace, or before a CJK ideograph of the basic block when Chinese chars are split out:
    /// both are words' edges for the pre-tokenizer, and starters with no decomposition, so no normalization step
    /// (NFD's reordering of marks included) reaches across them.
    /// </summary>
    public int CutPoint(ReadOnlySpan<char> segment, int from)
    {
        var rest = segment[from..];
        int cut = rest.IndexOfAny(s_asciiWhitespace);
        if (normalizer.Options.HandleChineseChars)
        {
            int ideograph = (cut < 0 ? rest : rest[..cut]).IndexOfAnyInRange('\u4E00', '\u9FFF');
            if (ideograph >= 0) cut = ideograph;
        }
        return cut < 0 ? segment.Length : from + cut;
    }

    private static readonly System.Buffers.SearchValues<char> s_asciiWhitespace = System.Buffers.SearchValues.Create(" \t\n\r");

    /// <summary>
    /// Hugging Face's WordPiece decoder: a continuation piece loses its prefix, any other token after the first
    /// gets a space before it, and each token is cleaned up (" ." → ".", " n't" → "n't", …).
    /// </summary>
    public string Decode(IReadOnlyList<string> tokens)
    {
        var text = new System.Text.StringBuilder();
        string prefix = model.ContinuingPrefix;
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (i > 0)
                token = prefix.Length > 0 && token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            text.Append(CleanUp(token));
        }
        return text.ToString();
    }

    private static string CleanUp(string token) => token
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't").Replace(" 's", "'s")
        .Replace(" 've", "'ve").Replace(" 're", "'re");

    private static byte[] BuildAsciiClasses()
    {
        var classes = new byte[128];
        for (int c = 0; c < 128; c++)
            classes[c] = CharClass.IsWhitespace(c) ? Space : CharClass.IsBertPunctuation(c) ? Punctuation : Letter;
        return classes;
    }
}
