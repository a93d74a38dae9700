namespace EmbedRt.Tokenization.WordPiece;

/// <summary>Settings of Hugging Face's BertNormalizer (strip_accents null already resolved to lowercase).</summary>
internal sealed record BertNormalizerOptions(bool CleanText, bool HandleChineseChars, bool StripAccents, bool Lowercase);
