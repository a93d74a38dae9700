namespace EmbedRt.Tokenization;

/// <summary>A tokenizer that reproduces Hugging Face's ids exactly. Instances are immutable and thread-safe.</summary>
public interface ITextTokenizer
{
    /// <summary>
    /// Encodes a text (and an optional second text of a pair) with special tokens.
    /// With <paramref name="maxLength"/>, truncates like Hugging Face (longest_first for pairs) so the result,
    /// special tokens included, has at most that many tokens; <paramref name="direction"/> says which end of each
    /// text loses tokens (before the special tokens are added, as Hugging Face does).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is smaller than the number of special tokens.</exception>
    TokenEncoding Encode(string text, string? pair = null, int? maxLength = null, TruncationDirection direction = TruncationDirection.Right);

    /// <summary>
    /// Encodes a single text into <paramref name="output"/> (cleared first). Once the buffer has grown to the
    /// input sizes it sees, this allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is smaller than the number of special tokens.</exception>
    void Encode(ReadOnlySpan<char> text, TokenBuffer output, int? maxLength = null, TruncationDirection direction = TruncationDirection.Right);

    /// <summary>Encodes a pair of texts into <paramref name="output"/> (cleared first), allocation-free after warm-up.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is smaller than the number of special tokens.</exception>
    void EncodePair(ReadOnlySpan<char> text, ReadOnlySpan<char> pair, TokenBuffer output, int? maxLength = null,
        TruncationDirection direction = TruncationDirection.Right);

    /// <summary>Number of special tokens added around a single text (<paramref name="pair"/> false) or a pair.</summary>
    int SpecialTokenCount(bool pair);

    /// <summary>Id of the padding token.</summary>
    int PadId { get; }

    /// <summary>Ids of the special tokens (CLS/SEP/PAD/UNK/MASK or their XLM-R equivalents).</summary>
    IReadOnlySet<int> SpecialIds { get; }

    /// <summary>Size of the id space (largest id + 1).</summary>
    int VocabularySize { get; }
}
