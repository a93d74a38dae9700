using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unigram;

/// <summary>
/// Normalizer sequence, then Metaspace (spaces become the replacement char, one is prepended, and the text is
/// split before each replacement char), then the Unigram model per word.
/// </summary>
internal sealed class UnigramSegmentModel(IEnumerable<NormalizerStep> normalizers, MetaspaceOptions metaspace, UnigramModel model)
    : ISegmentModel
{
    private readonly NormalizerStep[] _normalizers = normalizers.ToArray();
    private int _cuttable; // 0 not checked yet, 1 yes, 2 no (a benign race: every thread computes the same)

    public ReadOnlySpan<char> Normalize(ReadOnlySpan<char> segment, Workspace workspace)
    {
        var current = workspace.Normalized;
        current.Clear();
        current.AddRange(segment);
        var spare = workspace.CharsAlt;
        // with offsets: the segment index of each char, composed through the steps
        var sources = workspace.NormalizedSources;
        if (sources is not null)
        {
            sources.Clear();
            for (int i = 0; i < segment.Length; i++) sources.Add(i);
        }
        var stepSources = sources is null ? null : new GrowableList<int>();
        foreach (var step in _normalizers)
        {
            step.Apply(current.Span, workspace, spare, stepSources);
            (current, spare) = (spare, current);
            if (sources is not null)
            {
                var composed = stepSources!.Span;
                for (int k = 0; k < composed.Length; k++) composed[k] = sources.Span[composed[k]];
                sources.Clear();
                sources.AddRange(composed);
            }
        }
        if (current != workspace.Normalized)
        {
            workspace.Normalized.Clear();
            workspace.Normalized.AddRange(current.Span);
        }
        return workspace.Normalized.Span;
    }

    public string Normalize(string text) => new(Normalize(text, new Workspace()));

    /// <summary>
    /// Before a space that follows an ASCII letter or digit: Metaspace starts a word there, and when every
    /// normalizer step keeps such a cut (<see cref="NormalizerStep.KeepsSpaceCuts"/>) and leaves ASCII letters and
    /// digits non-blank, both parts normalize as they do in the whole.
    /// </summary>
    public int CutPoint(ReadOnlySpan<char> segment, int from)
    {
        if (_cuttable == 0)
            Volatile.Write(ref _cuttable, metaspace.Split && _normalizers.All(n => n.KeepsSpaceCuts) && KeepsAlphanumerics() ? 1 : 2);
        if (_cuttable != 1) return segment.Length;
        for (int i = Math.Max(from, 1); i < segment.Length; i++)
        {
            int space = segment[i..].IndexOf(' ');
            if (space < 0) break;
            i += space;
            if (char.IsAsciiLetterOrDigit(segment[i - 1])) return i;
        }
        return segment.Length;
    }

    private bool KeepsAlphanumerics()
    {
        for (char c = '0'; c <= 'z'; c++)
        {
            if (!char.IsAsciiLetterOrDigit(c)) continue;
            string normalized = Normalize(c.ToString());
            if (normalized.Length == 0 || char.IsWhiteSpace(normalized[^1])) return false;
        }
        // The space after the cut must survive normalization and start the next piece.
        string piece = Normalize(" b");
        return piece.Length > 0 && (piece[0] == ' ' || piece[0] == metaspace.Replacement) && Normalize("a b") == Normalize("a") + piece;
    }

    /// <summary>
    /// Hugging Face's Metaspace decoder: the replacement char becomes a space, except in the first token when a
    /// space was prepended at encoding (there it is dropped).
    /// </summary>
    public string Decode(IReadOnlyList<string> tokens)
    {
        var text = new System.Text.StringBuilder();
        char replacement = metaspace.Replacement;
        for (int i = 0; i < tokens.Count; i++)
        {
            bool dropReplacement = i == 0 && metaspace.Prepend != PrependScheme.Never;
            foreach (char c in tokens[i])
                if (c != replacement) text.Append(c);
                else if (!dropReplacement) text.Append(' ');
        }
        return text.ToString();
    }

    public void Encode(ReadOnlySpan<char> normalized, bool atTextStart, Workspace workspace, GrowableList<int> ids)
    {
        if (normalized.IsEmpty) return;
        char replacement = metaspace.Replacement;
        var text = workspace.CharsAlt;
        text.Clear();
        bool prepend = normalized[0] != ' ' && normalized[0] != replacement && metaspace.Prepend switch
        {
            PrependScheme.Always => true,
            PrependScheme.First => atTextStart,
            _ => false,
        };
        if (prepend) text.Add(replacement);
        text.AddRange(normalized);
        var chars = text.Span;
        chars.Replace(' ', replacement);
        // chars[k] is normalized[k - shift]; a prepended replacement char has the empty range at 0 (offsets then
        // give it the first char's span, as Hugging Face aligns a prepended char)
        int shift = prepend ? 1 : 0;
        if (!metaspace.Split)
        {
            EncodeWord(chars, 0, chars.Length, shift, workspace, ids);
            return;
        }
        int wordStart = 0;
        for (int i = 1; i < chars.Length; i++)
        {
            if (chars[i] != replacement) continue;
            EncodeWord(chars, wordStart, i, shift, workspace, ids);
            wordStart = i;
        }
        EncodeWord(chars, wordStart, chars.Length, shift, workspace, ids);
    }

    private void EncodeWord(ReadOnlySpan<char> chars, int start, int end, int shift, Workspace workspace, GrowableList<int> ids)
    {
        int first = ids.Count, firstRange = workspace.TokenRanges?.Count ?? 0;
        model.EncodeWord(chars[start..end], workspace, ids, workspace.TokenRanges, start - shift);
        workspace.Split(first, ids.Count);
        if (workspace.TokenRanges is { } ranges)
            for (int k = firstRange; k < ranges.Count; k++) ranges.Span[k] = Math.Max(0, ranges.Span[k]);
    }
}
