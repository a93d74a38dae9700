namespace EmbedRt.Tokenization;

/// <summary>
/// The token strings behind a tokenizer's ids and Hugging Face's decode (the tokenizers library's
/// <c>Tokenizer.decode</c>: WordPiece's "##" joining and cleanup, or Metaspace's "▁" to spaces).
/// EmbedRt's tokenizers implement it next to <see cref="ITextTokenizer"/>.
/// </summary>
public interface ITokenVocabulary
{
    /// <summary>The token string of <paramref name="id"/>, or null when no token has that id.</summary>
    string? TokenOf(int id);

    /// <summary>The id of a token string (vocabulary or added token).</summary>
    bool TryGetId(string token, out int id);

    /// <summary>Decodes ids to text; special tokens are kept unless <paramref name="skipSpecialTokens"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id no token has.</exception>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);
}
