using System.Text.RegularExpressions;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unicode;

namespace EmbedRt.Tokenization.Unigram;

/// <summary>
/// One step of a tokenizer.json normalizer Sequence, rewriting text from one buffer into another; with
/// <c>sources</c>, it also records for each output char the index of the input char it comes from, as Hugging
/// Face aligns it (for offsets).
/// </summary>
internal abstract class NormalizerStep
{
    public abstract void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null);

    /// <summary>
    /// Whether text cut before a space that follows an ASCII letter or digit gives, step by step, the output of
    /// the whole: the steps that work per character or grapheme, and the ones below that say so.
    /// </summary>
    public virtual bool KeepsSpaceCuts => false;

    /// <summary>"Precompiled": SentencePiece's charsmap rules.</summary>
    public sealed class Precompiled(PrecompiledCharsMap map) : NormalizerStep
    {
        public override bool KeepsSpaceCuts => true;

        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null) =>
            map.Normalize(input, output, sources);
    }

    /// <summary>"Strip": trims Unicode whitespace on the chosen sides.</summary>
    public sealed class Strip(bool left, bool right) : NormalizerStep
    {
        /// <summary>A piece after a cut starts with the space that stripping the left would remove.</summary>
        public override bool KeepsSpaceCuts => !left;

        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null)
        {
            int start = 0, end = input.Length;
            if (left) while (start < end && CharClass.IsWhitespace(input[start])) start++;
            if (right) while (end > start && CharClass.IsWhitespace(input[end - 1])) end--;
            output.Clear();
            output.AddRange(input[start..end]);
            sources?.Clear();
            for (int i = start; i < end && sources is not null; i++) sources.Add(i);
        }
    }

    /// <summary>"Replace": every match of a literal or a regular expression replaced by fixed content.</summary>
    public sealed class Replace(Regex pattern, string content) : NormalizerStep
    {
        /// <summary>
        /// A pattern that matches runs of spaces alone (" {2,}", " +", a literal of spaces) cannot reach across the
        /// cut; the content must still start a word there.
        /// </summary>
        public override bool KeepsSpaceCuts => content.Length > 0 && content[0] is ' ' or '\u2581'
            && Regex.IsMatch(pattern.ToString().Replace("\\ ", " "), @"^( +| \{\d+,\d*\}| \+)$");

        /// <summary>With sources, the content's chars belong to the match's last chars (Hugging Face's alignment of a
        /// shorter replacement; a longer one's extra chars belong to the match's last char).</summary>
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null)
        {
            output.Clear();
            sources?.Clear();
            int copied = 0;
            foreach (var match in pattern.EnumerateMatches(input))
            {
                Copy(input, copied, match.Index, output, sources);
                output.AddRange(content);
                for (int k = 0; k < content.Length && sources is not null; k++)
                    sources.Add(match.Length == 0 ? Math.Min(match.Index, input.Length - 1)
                        : match.Index + Math.Clamp(match.Length - content.Length + k, 0, match.Length - 1));
                copied = match.Index + match.Length;
            }
            Copy(input, copied, input.Length, output, sources);
        }

        private static void Copy(ReadOnlySpan<char> input, int start, int end, GrowableList<char> output, GrowableList<int>? sources)
        {
            output.AddRange(input[start..end]);
            for (int i = start; i < end && sources is not null; i++) sources.Add(i);
        }
    }

    /// <summary>"Lowercase": Rust's char::to_lowercase per code point.</summary>
    public sealed class Lowercase : NormalizerStep
    {
        public override bool KeepsSpaceCuts => true;

        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null) =>
            MapCodePoints(input, workspace, output, static (c, list) => CharClass.AppendLowercase(c, list), reorder: false, sources);
    }

    /// <summary>"NFD": canonical decomposition.</summary>
    public sealed class Nfd : NormalizerStep
    {
        public override bool KeepsSpaceCuts => true;

        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null) =>
            MapCodePoints(input, workspace, output, CanonicalDecomposition.Decompose, reorder: true, sources);
    }

    /// <summary>"StripAccents": drops combining marks (Mn, Mc, Me of Unicode 9.0, as tokenizers' is_combining_mark; meant to follow NFD).</summary>
    public sealed class StripAccents : NormalizerStep
    {
        public override bool KeepsSpaceCuts => true;

        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output, GrowableList<int>? sources = null) =>
            MapCodePoints(input, workspace, output, static (c, list) =>
            {
                if (!CharClass.IsCombiningMark(c)) list.Add(c);
            }, reorder: false, sources);
    }

    private static void MapCodePoints(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output,
        Action<int, GrowableList<int>> map, bool reorder, GrowableList<int>? sources)
    {
        var codePoints = workspace.CodePoints;
        codePoints.Clear();
        var origins = sources is null ? null : new GrowableList<int>();
        for (int i = 0; i < input.Length;)
        {
            int before = codePoints.Count;
            map(CharClass.CodePointAt(input, i, out int width), codePoints);
            for (int k = before; k < codePoints.Count && origins is not null; k++) origins.Add(i);
            i += width;
        }
        if (reorder) CanonicalDecomposition.Reorder(codePoints.Span, origins is null ? [] : origins.Span);
        output.Clear();
        sources?.Clear();
        var span = codePoints.Span;
        for (int k = 0; k < span.Length; k++)
        {
            int before = output.Count;
            CharClass.AppendUtf16(span[k], output);
            for (int u = before; u < output.Count && sources is not null; u++) sources.Add(origins!.Span[k]);
        }
    }
}
