namespace EmbedRt;

/// <summary>
/// An input is longer than the model's token limit under <see cref="LongInputPolicy.Error"/> (or a pair under
/// <see cref="LongInputPolicy.ChunkMean"/>, which cannot be split); <see cref="InputIndex"/> says which.
/// </summary>
public sealed class InputTooLongException(int inputIndex, int maxLength, string message) : ArgumentException(message)
{
    /// <summary>Index of the input in the list the call was given.</summary>
    public int InputIndex { get; } = inputIndex;

    /// <summary>The limit, in tokens, special tokens and prompt included.</summary>
    public int MaxLength { get; } = maxLength;
}
