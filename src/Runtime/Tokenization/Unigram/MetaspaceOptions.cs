namespace EmbedRt.Tokenization.Unigram;

/// <summary>When Metaspace puts the replacement char in front of a text that doesn't start with one.</summary>
internal enum PrependScheme { Always, First, Never }

/// <summary>Hugging Face's Metaspace pre-tokenizer settings.</summary>
internal sealed record MetaspaceOptions(char Replacement, PrependScheme Prepend, bool Split);
