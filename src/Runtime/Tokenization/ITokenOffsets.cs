namespace EmbedRt.Tokenization;

/// <summary>A token and the span of the original text it comes from, as Hugging Face's encoding offsets give it.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Start">First UTF-16 index of the span in the text; 0 for the template's special tokens.</param>
/// <param name="End">UTF-16 index one past the span; 0 for the template's special tokens.</param>
/// <param name="Special">Whether the post-processor template added it ([CLS], [SEP], &lt;s&gt;, ...); special tokens written
/// in the text itself are not.</param>
public readonly record struct TokenOffset(int Id, int Start, int End, bool Special);

/// <summary>
/// Token offsets into the original text through normalization (lowercasing, accent stripping, CJK spacing,
/// control-char removal, SentencePiece's charsmap, Metaspace). EmbedRt's tokenizers implement it next to
/// <see cref="ITextTokenizer"/>.
/// </summary>
public interface ITokenOffsets
{
    /// <summary>
    /// Encodes a single text (with the template's special tokens unless <paramref name="addSpecialTokens"/> is
    /// false) and gives every token its span of <paramref name="text"/>. The ids are those of
    /// <see cref="ITextTokenizer.Encode(string, string?, int?, TruncationDirection)"/>. Not allocation-free.
    /// </summary>
    IReadOnlyList<TokenOffset> EncodeWithOffsets(string text, bool addSpecialTokens = true);
}
