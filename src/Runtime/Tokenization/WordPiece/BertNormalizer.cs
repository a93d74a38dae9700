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

    /// <summary>
    /// Normalizes <paramref name="input"/> into <paramref name="output"/>; with <paramref name="sources"/>, also
    /// records for every output char the index of the input char its code point comes from (Hugging Face's
    /// alignments: chars a step inserts or expands to belong to the char they come from).
    /// </summary>
    public void Normalize(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null)
    {
        output.Clear();
        sources?.Clear();
        if (Ascii.IsValid(input)) NormalizeAscii(input, output, sources);
        else NormalizeUnicode(input, workspace, output, sources);
    }

    private void NormalizeAscii(ReadOnlySpan<char> input, GrowableList<char> output, GrowableList<int>? sources)
    {
        output.EnsureCapacity(input.Length);
        var map = _asciiMap;
        for (int i = 0; i < input.Length; i++)
        {
            char mapped = map[input[i]];
            if (mapped == Deleted) continue;
            output.Add(mapped);
            sources?.Add(i);
        }
    }

    private void NormalizeUnicode(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources)
    {
        var codePoints = workspace.CodePoints;
        codePoints.Clear();
        // with sources: the input index of each code point, kept in step with the code point lists
        GrowableList<int>? origins = sources is null ? null : new GrowableList<int>(), spare = sources is null ? null : new GrowableList<int>();
        for (int i = 0; i < input.Length;)
        {
            int start = i;
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
                origins?.AddRange([start, start, start]);
            }
            else
            {
                codePoints.Add(c);
                origins?.Add(start);
            }
        }
        if (Options.StripAccents)
        {
            codePoints = StripAccents(codePoints, workspace.CodePointsAlt, origins, spare);
            (origins, spare) = (spare, origins);
        }
        if (Options.Lowercase)
        {
            codePoints = Lowercase(codePoints, codePoints == workspace.CodePoints ? workspace.CodePointsAlt : workspace.CodePoints, origins, spare);
            (origins, spare) = (spare, origins);
        }
        var span = codePoints.Span;
        for (int k = 0; k < span.Length; k++)
        {
            int before = output.Count;
            CharClass.AppendUtf16(span[k], output);
            if (sources is not null) for (int u = before; u < output.Count; u++) sources.Add(origins!.Span[k]);
        }
    }

    private static GrowableList<int> StripAccents(GrowableList<int> input, GrowableList<int> output, GrowableList<int>? origins, GrowableList<int>? outputOrigins)
    {
        output.Clear();
        outputOrigins?.Clear();
        var inputSpan = input.Span;
        for (int k = 0; k < inputSpan.Length; k++)
        {
            int before = output.Count;
            CanonicalDecomposition.Decompose(inputSpan[k], output);
            if (outputOrigins is not null) for (int u = before; u < output.Count; u++) outputOrigins.Add(origins!.Span[k]);
        }
        CanonicalDecomposition.Reorder(output.Span, outputOrigins is null ? [] : outputOrigins.Span);
        int kept = 0;
        var span = output.Span;
        for (int k = 0; k < span.Length; k++)
        {
            if (CharClass.IsNonspacingMark(span[k])) continue;
            if (outputOrigins is not null) outputOrigins.Span[kept] = outputOrigins.Span[k];
            span[kept++] = span[k];
        }
        output.Count = kept;
        if (outputOrigins is not null) outputOrigins.Count = kept;
        return output;
    }

    private static GrowableList<int> Lowercase(GrowableList<int> input, GrowableList<int> output, GrowableList<int>? origins, GrowableList<int>? outputOrigins)
    {
        output.Clear();
        outputOrigins?.Clear();
        var inputSpan = input.Span;
        for (int k = 0; k < inputSpan.Length; k++)
        {
            int before = output.Count;
            CharClass.AppendLowercase(inputSpan[k], output);
            if (outputOrigins is not null) for (int u = before; u < output.Count; u++) outputOrigins.Add(origins!.Span[k]);
        }
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
