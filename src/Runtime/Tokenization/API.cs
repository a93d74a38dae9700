// CONTRACT (to be implemented by the tokenization work; signatures are what the rest of Runtime codes against).
namespace EmbedRt.Tokenization;

/// <summary>Token ids and token type ids of one input, special tokens included.</summary>
public sealed record TokenEncoding(int[] Ids, int[] TypeIds);

/// <summary>A tokenizer that reproduces Hugging Face's ids exactly.</summary>
public interface ITextTokenizer
{
    /// <summary>
    /// Encodes a text (and an optional second text of a pair) with special tokens.
    /// With <paramref name="maxLength"/>, truncates like Hugging Face (longest_first for pairs) so the result,
    /// special tokens included, has at most that many tokens.
    /// </summary>
    TokenEncoding Encode(string text, string? pair = null, int? maxLength = null);

    /// <summary>Id of the padding token.</summary>
    int PadId { get; }

    /// <summary>Ids of the special tokens (CLS/SEP/PAD/UNK/MASK or their XLM-R equivalents).</summary>
    IReadOnlySet<int> SpecialIds { get; }
}

/// <summary>Picks and loads the tokenizer of a model folder.</summary>
public static class TextTokenizer
{
    /// <summary>
    /// Loads from tokenizer.json when present, else vocab.txt + tokenizer_config.json (BERT WordPiece),
    /// else sentencepiece.bpe.model (XLM-R). Needs no weights. Throws ModelFormatException naming the file on bad input.
    /// </summary>
    public static ITextTokenizer Load(string modelDirectory) => throw new NotImplementedException();
}
