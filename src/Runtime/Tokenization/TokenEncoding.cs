namespace EmbedRt.Tokenization;

/// <summary>Token ids and token type ids of one input, special tokens included.</summary>
public sealed record TokenEncoding(int[] Ids, int[] TypeIds);
