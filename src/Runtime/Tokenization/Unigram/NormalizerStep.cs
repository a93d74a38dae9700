using System.Text.RegularExpressions;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unicode;

namespace EmbedRt.Tokenization.Unigram;

/// <summary>One step of a tokenizer.json normalizer Sequence, rewriting text from one buffer into another.</summary>
internal abstract class NormalizerStep
{
    public abstract void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output);

    /// <summary>"Precompiled": SentencePiece's charsmap rules.</summary>
    public sealed class Precompiled(PrecompiledCharsMap map) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output) => map.Normalize(input, output);
    }

    /// <summary>"Strip": trims Unicode whitespace on the chosen sides.</summary>
    public sealed class Strip(bool left, bool right) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output)
        {
            int start = 0, end = input.Length;
            if (left) while (start < end && CharClass.IsWhitespace(input[start])) start++;
            if (right) while (end > start && CharClass.IsWhitespace(input[end - 1])) end--;
            output.Clear();
            output.AddRange(input[start..end]);
        }
    }

    /// <summary>"Replace": every match of a literal or a regular expression replaced by fixed content.</summary>
    public sealed class Replace(Regex pattern, string content) : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output)
        {
            output.Clear();
            int copied = 0;
            foreach (var match in pattern.EnumerateMatches(input))
            {
                output.AddRange(input[copied..match.Index]);
                output.AddRange(content);
                copied = match.Index + match.Length;
            }
            output.AddRange(input[copied..]);
        }
    }

    /// <summary>"Lowercase": Rust's char::to_lowercase per code point.</summary>
    public sealed class Lowercase : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output) =>
            MapCodePoints(input, workspace, output, static (c, list) => CharClass.AppendLowercase(c, list), reorder: false);
    }

    /// <summary>"NFD": canonical decomposition.</summary>
    public sealed class Nfd : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output) =>
            MapCodePoints(input, workspace, output, CanonicalDecomposition.Decompose, reorder: true);
    }

    /// <summary>"StripAccents": drops combining marks (Mn, Mc, Me of Unicode 9.0, as tokenizers' is_combining_mark; meant to follow NFD).</summary>
    public sealed class StripAccents : NormalizerStep
    {
        public override void Apply(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output) =>
            MapCodePoints(input, workspace, output, static (c, list) =>
            {
                if (!CharClass.IsCombiningMark(c)) list.Add(c);
            }, reorder: false);
    }

    private static void MapCodePoints(ReadOnlySpan<char> input, Workspace workspace, GrowableList<char> output,
        Action<int, GrowableList<int>> map, bool reorder)
    {
        var codePoints = workspace.CodePoints;
        codePoints.Clear();
        for (int i = 0; i < input.Length;)
        {
            map(CharClass.CodePointAt(input, i, out int width), codePoints);
            i += width;
        }
        if (reorder) CanonicalDecomposition.Reorder(codePoints.Span);
        output.Clear();
        foreach (int c in codePoints.Span) CharClass.AppendUtf16(c, output);
    }
}
