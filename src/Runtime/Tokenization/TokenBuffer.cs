using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization;

/// <summary>
/// Reusable output of <see cref="ITextTokenizer.Encode(ReadOnlySpan{char}, TokenBuffer, int?, TruncationDirection)"/>: the ids and type
/// ids of the last encoding plus the scratch space the tokenizer works in. Not thread-safe: use one per thread.
/// </summary>
public sealed class TokenBuffer
{
    private readonly GrowableList<int> _ids = new();
    private readonly GrowableList<int> _typeIds = new();

    /// <summary>Token ids of the last encoding, special tokens included.</summary>
    public ReadOnlySpan<int> Ids => _ids.Span;

    /// <summary>Token type ids of the last encoding.</summary>
    public ReadOnlySpan<int> TypeIds => _typeIds.Span;

    /// <summary>Number of tokens of the last encoding.</summary>
    public int Count => _ids.Count;

    /// <summary>Copies the last encoding into a new <see cref="TokenEncoding"/>.</summary>
    public TokenEncoding ToEncoding() => new(Ids.ToArray(), TypeIds.ToArray());

    internal Workspace Scratch { get; } = new();

    internal void Clear()
    {
        _ids.Clear();
        _typeIds.Clear();
    }

    internal void Add(int id, int typeId)
    {
        _ids.Add(id);
        _typeIds.Add(typeId);
    }
}
