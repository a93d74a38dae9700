namespace EmbedRt.Tokenization;

/// <summary>A tokenizer that cuts a long text into windows while it encodes it, so the text's ids are never held whole.</summary>
internal interface IWindowedTokenizer
{
    /// <summary>
    /// Encodes a single text as consecutive windows: its content ids cut into runs of <paramref name="maxLength"/>
    /// minus the special tokens, each wrapped in the special tokens as a single text is, handed to
    /// <paramref name="onWindow"/> (when given) in order as soon as complete. Memory holds one piece of the text's
    /// ids and one window. Returns how many windows and tokens (special tokens included) there are; an empty text
    /// has none.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> leaves no room for a content token.</exception>
    (int Windows, long Tokens) EncodeWindows(ReadOnlySpan<char> text, int maxLength, Action<TokenEncoding>? onWindow);
}
