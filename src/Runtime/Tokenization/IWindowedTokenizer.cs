namespace EmbedRt.Tokenization;

/// <summary>A tokenizer that cuts a long text into windows while it encodes it, so the text's ids are never held whole.</summary>
internal interface IWindowedTokenizer
{
    /// <summary>
    /// Encodes a single text lazily as consecutive windows: its content ids cut into runs of
    /// <paramref name="maxLength"/> minus the special tokens, each wrapped in the special tokens as a single text is.
    /// Enumerating holds one piece of the text's ids and one window; an empty text has no window.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> leaves no room for a content token.</exception>
    IEnumerable<TokenEncoding> EncodeWindows(string text, int maxLength);

    /// <summary>How many windows and tokens (special tokens included) <see cref="EncodeWindows"/> gives, keeping no ids.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> leaves no room for a content token.</exception>
    (int Windows, long Tokens) CountWindows(string text, int maxLength);
}
