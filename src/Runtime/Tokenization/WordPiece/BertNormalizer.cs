using System.Text;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unicode;

namespace EmbedRt.Tokenization.WordPiece;

/// <summary>
/// Hugging Face's BertNormalizer: clean_text, handle_chinese_chars, strip_accents (NFD, drop Mn), lowercase —
/// in that order. Pure-ASCII input takes a table-driven path with the same result.
/// </summary>
internal sealed class BertNormalizer(BertNormalizerOptions options)
{
    private const char Deleted = '\uFFFF';

    /// <summary>ASCII char → normalized char, or <see cref="Deleted"/>.</summary>
    private readonly char[] _asciiMap = BuildAsciiMap(options);

    public BertNormalizerOptions Options { get; } = options;

    public void Normalize(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output)
    {
        output.Clear();
        if (Ascii.IsValid(input)) NormalizeAscii(input, output);
        else NormalizeUnicode(input, workspace, output);
    }

    private void NormalizeAscii(ReadOnlySpan<char> input, GrowableList<char> output)
    {
        output.EnsureCapacity(input.Length);
        var map = _asciiMap;
        foreach (char c in input)
        {
            char mapped = map[c];
            if (mapped != Deleted) output.Add(mapped);
        }
    }

    private void NormalizeUnicode(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output)
    {
        var codePoints = workspace.CodePoints;
        codePoints.Clear();
        for (int i = 0; i < input.Length;)
        {
            int c = CharClass.CodePointAt(input, i, out int width);
            i += width;
            if (Options.CleanText)
            {
                if (c == 0 || c == 0xFFFD || CharClass.IsBertControl(c)) continue;
                if (CharClass.IsWhitespace(c)) c = ' ';
            }
            if (Options.HandleChineseChars && CharClass.IsChineseIdeograph(c))
            {
                codePoints.Add(' ');
                codePoints.Add(c);
                codePoints.Add(' ');
            }
            else codePoints.Add(c);
        }
        if (Options.StripAccents) codePoints = StripAccents(codePoints, workspace.CodePointsAlt);
        if (Options.Lowercase) codePoints = Lowercase(codePoints, codePoints == workspace.CodePoints ? workspace.CodePointsAlt : workspace.CodePoints);
        foreach (int c in codePoints.Span) CharClass.AppendUtf16(c, output);
    }

    private static GrowableList<int> StripAccents(GrowableList<int> input, GrowableList<int> output)
    {
        output.Clear();
        foreach (int c in input.Span) CanonicalDecomposition.Decompose(c, output);
        CanonicalDecomposition.Reorder(output.Span);
        int kept = 0;
        var span = output.Span;
        foreach (int c in span)
        {
            if (CharClass.IsNonspacingMark(c)) continue;
            span[kept++] = c;
        }
        output.Count = kept;
        return output;
    }

    private static GrowableList<int> Lowercase(GrowableList<int> input, GrowableList<int> output)
    {
        output.Clear();
        foreach (int c in input.Span) CharClass.AppendLowercase(c, output);
        return output;
    }

    private static char[] BuildAsciiMap(BertNormalizerOptions options)
    {
        var map = new char[128];
        for (int c = 0; c < 128; c++)
        {
            char mapped = (char)c;
            if (options.CleanText)
            {
                if (c == 0 || CharClass.IsBertControl(c)) mapped = Deleted;
                else if (CharClass.IsWhitespace(c)) mapped = ' ';
            }
            if (options.Lowercase && mapped is >= 'A' and <= 'Z') mapped = (char)(mapped + 32);
            map[c] = mapped;
        }
        return map;
    }
}
