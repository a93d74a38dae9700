using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unicode;

/// <summary>
/// Character classes as Hugging Face tokenizers (Rust) define them, on code points so that characters
/// outside the BMP (surrogate pairs in .NET strings) are classified like single Rust chars. Each class reads
/// the generated <see cref="UnicodeTables"/> of the Unicode version the defining Rust crate encodes, never .NET's
/// own (newer) tables: see tools/unicodegen/generate-tables.mjs.
/// </summary>
internal static class CharClass
{
    /// <summary>What a BMP code point is, one byte each: the tables' answers without a binary search.</summary>
    [Flags]
    internal enum Bmp : byte
    {
        Control = 1, Whitespace = 2, Punctuation = 4, NonspacingMark = 8, CombiningMark = 16,
        Decomposes = 32, CombiningClass = 64, Lowercases = 128,
    }

    private static readonly Bmp[] s_bmp = BuildBmp();

    /// <summary>Whether BMP code point <paramref name="c"/> (below 0x10000) has <paramref name="flag"/>.</summary>
    internal static bool BmpHas(int c, Bmp flag) => (s_bmp[c] & flag) != 0;

    /// <summary>Rust char::is_whitespace (the Unicode White_Space property).</summary>
    public static bool IsWhitespace(int c) =>
        c < 0x10000 ? BmpHas(c, Bmp.Whitespace) : InRanges(UnicodeTables.WhiteSpaceRanges, c);

    /// <summary>
    /// BertNormalizer's "control": Cc, Cf, Co of Unicode 8.0 (and unpaired surrogates) except tab, newline and
    /// carriage return. Unassigned code points are kept, as Hugging Face keeps them.
    /// </summary>
    public static bool IsBertControl(int c)
    {
        if (c is '\t' or '\n' or '\r') return false;
        if (c < 0x10000) return BmpHas(c, Bmp.Control) || c is >= 0xD800 and <= 0xDFFF;
        return InRanges(UnicodeTables.BertControlRanges, c);
    }

    /// <summary>BertPreTokenizer punctuation: ASCII punctuation/symbols or a Unicode 8.0 P* character.</summary>
    public static bool IsBertPunctuation(int c)
    {
        if (c < 0x80) return c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126;
        return c < 0x10000 ? BmpHas(c, Bmp.Punctuation) : InRanges(UnicodeTables.PunctuationRanges, c);
    }

    /// <summary>Unicode 8.0 Mn, the marks BertNormalizer's strip_accents drops after NFD.</summary>
    public static bool IsNonspacingMark(int c) =>
        c < 0x10000 ? BmpHas(c, Bmp.NonspacingMark) : InRanges(UnicodeTables.NonspacingMarkRanges, c);

    /// <summary>Unicode 9.0 Mn, Mc or Me, the marks the StripAccents normalizer drops.</summary>
    public static bool IsCombiningMark(int c) =>
        c < 0x10000 ? BmpHas(c, Bmp.CombiningMark) : InRanges(UnicodeTables.CombiningMarkRanges, c);

    /// <summary>
    /// The CJK ideograph blocks BERT surrounds with spaces, exactly as tokenizers' is_chinese_char lists them
    /// (its range after 0x2B81F starts at 0x2B920, not 0x2B820).
    /// </summary>
    public static bool IsChineseIdeograph(int c) =>
        c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
          or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF
          or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>
    /// The word characters of added tokens' single_word rule: regex's \w (Unicode 16.0 Alphabetic, M, Nd, Pc,
    /// Join_Control), which Hugging Face tests with ^\w / \w$ around a match.
    /// </summary>
    public static bool IsWordChar(int c)
    {
        if (c < 0x80) return c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_';
        return InRanges(UnicodeTables.WordCharacterRanges, c);
    }

    /// <summary>Rust char::to_lowercase (Unicode 17.0), one or more code points (U+0130 lowercases to two).</summary>
    public static void AppendLowercase(int c, GrowableList<int> output)
    {
        int index = c < 0x10000 && !BmpHas(c, Bmp.Lowercases) ? -1 : IndexOf(UnicodeTables.LowercaseCodePoints, c);
        if (index < 0) output.Add(c);
        else AppendMapping(UnicodeTables.LowercaseStarts, UnicodeTables.LowercaseTargets, index, output);
    }

    /// <summary>Appends mapping <paramref name="index"/> of a generated (starts, targets) mapping table.</summary>
    internal static void AppendMapping(ReadOnlySpan<int> starts, ReadOnlySpan<int> targets, int index, GrowableList<int> output) =>
        output.AddRange(targets[starts[index]..starts[index + 1]]);

    /// <summary>Appends a code point as UTF-16.</summary>
    public static void AppendUtf16(int c, GrowableList<char> output)
    {
        if (c < 0x10000) output.Add((char)c);
        else
        {
            output.Add((char)(0xD7C0 + (c >> 10)));
            output.Add((char)(0xDC00 | (c & 0x3FF)));
        }
    }

    /// <summary>Reads the code point at <paramref name="index"/>; unpaired surrogates read as themselves.</summary>
    public static int CodePointAt(ReadOnlySpan<char> text, int index, out int length)
    {
        char c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }
        length = 1;
        return c;
    }

    /// <summary>Whether <paramref name="c"/> lies in a flat, sorted [first, last, first, last, ...] range table.</summary>
    internal static bool InRanges(ReadOnlySpan<int> ranges, int c)
    {
        int low = 0, high = ranges.Length / 2 - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            if (c < ranges[2 * middle]) high = middle - 1;
            else if (c > ranges[2 * middle + 1]) low = middle + 1;
            else return true;
        }
        return false;
    }

    private static Bmp[] BuildBmp()
    {
        var flags = new Bmp[0x10000];
        SetRanges(flags, UnicodeTables.BertControlRanges, Bmp.Control);
        SetRanges(flags, UnicodeTables.WhiteSpaceRanges, Bmp.Whitespace);
        SetRanges(flags, UnicodeTables.PunctuationRanges, Bmp.Punctuation);
        SetRanges(flags, UnicodeTables.NonspacingMarkRanges, Bmp.NonspacingMark);
        SetRanges(flags, UnicodeTables.CombiningMarkRanges, Bmp.CombiningMark);
        SetEach(flags, UnicodeTables.DecompositionCodePoints, Bmp.Decomposes);
        SetEach(flags, UnicodeTables.CombiningClassCodePoints, Bmp.CombiningClass);
        SetEach(flags, UnicodeTables.LowercaseCodePoints, Bmp.Lowercases);
        return flags;
    }

    private static void SetRanges(Bmp[] flags, ReadOnlySpan<int> ranges, Bmp flag)
    {
        for (int i = 0; i < ranges.Length && ranges[i] < flags.Length; i += 2)
            for (int c = ranges[i]; c <= Math.Min(ranges[i + 1], flags.Length - 1); c++) flags[c] |= flag;
    }

    private static void SetEach(Bmp[] flags, ReadOnlySpan<int> codePoints, Bmp flag)
    {
        foreach (int c in codePoints)
            if (c < flags.Length) flags[c] |= flag;
    }

    /// <summary>Index of <paramref name="value"/> in a sorted table, or -1.</summary>
    internal static int IndexOf(ReadOnlySpan<int> sorted, int value)
    {
        int low = 0, high = sorted.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            int current = sorted[middle];
            if (current == value) return middle;
            if (current < value) low = middle + 1;
            else high = middle - 1;
        }
        return -1;
    }
}
