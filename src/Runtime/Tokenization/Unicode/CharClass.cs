using System.Globalization;
using System.Text;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unicode;

/// <summary>
/// Character classes as Hugging Face tokenizers (Rust) define them, on code points so that characters
/// outside the BMP (surrogate pairs in .NET strings) are classified like single Rust chars.
/// </summary>
internal static class CharClass
{
    /// <summary>Rust char::is_whitespace (the Unicode White_Space property).</summary>
    public static bool IsWhitespace(int c) => c switch
    {
        >= 0x09 and <= 0x0D or 0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>
    /// BertNormalizer's "control": Cc, Cf, Co (and unpaired surrogates) except tab, newline and carriage return.
    /// Unassigned code points are deliberately kept, as Hugging Face keeps them.
    /// </summary>
    public static bool IsBertControl(int c)
    {
        if (c is '\t' or '\n' or '\r') return false;
        if (c < 0x80) return c < 0x20 || c == 0x7F;
        return Category(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>BertPreTokenizer punctuation: ASCII punctuation/symbols or any Unicode P* category.</summary>
    public static bool IsBertPunctuation(int c)
    {
        if (c < 0x80) return c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126;
        return Category(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK ideograph blocks BERT surrounds with spaces.</summary>
    public static bool IsChineseIdeograph(int c) =>
        c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
          or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
          or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Rust's alphanumeric-or-underscore, used by added tokens' single_word rule.</summary>
    public static bool IsWordChar(int c)
    {
        if (c < 0x80) return c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z' or '_';
        return Category(c) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }

    /// <summary>Rust char::to_lowercase: .NET's simple mapping except U+0130, whose full lowercase is two chars.</summary>
    public static void AppendLowercase(int c, GrowableList<int> output)
    {
        if (c == 0x130)
        {
            output.Add('i');
            output.Add(0x307);
            return;
        }
        output.Add(c < 0x80 ? (c is >= 'A' and <= 'Z' ? c + 32 : c) : Rune.ToLowerInvariant(new Rune(c)).Value);
    }

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

    public static UnicodeCategory Category(int c) => CharUnicodeInfo.GetUnicodeCategory(c);

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
}
