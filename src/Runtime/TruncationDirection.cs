namespace EmbedRt;

/// <summary>Which end of an input truncation removes tokens from (Hugging Face's TruncationDirection).</summary>
public enum TruncationDirection
{
    /// <summary>Keep the beginning, drop the end (the default everywhere).</summary>
    Right,
    /// <summary>Keep the end, drop the beginning (e.g. the latest turns of a conversation).</summary>
    Left,
}
