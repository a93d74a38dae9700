using EmbedRt.Tokenization;

namespace EmbedRt.Batching;

/// <summary>
/// Several inputs' tokens packed back to back with no padding (as TEI does): sequence s owns token rows
/// [Offsets[s], Offsets[s + 1]). Buffers are reused from call to call; only growth allocates.
/// </summary>
public sealed class PackedBatch
{
    private int[] _ids = [];
    private int[] _typeIds = [];
    private int[] _offsets = [0];

    /// <summary>Number of sequences.</summary>
    public int Count { get; private set; }

    /// <summary>Total tokens of all sequences.</summary>
    public int TokenCount => _offsets[Count];

    /// <summary>Token ids, [TokenCount].</summary>
    public ReadOnlySpan<int> Ids => _ids.AsSpan(0, TokenCount);

    /// <summary>Token type ids, [TokenCount].</summary>
    public ReadOnlySpan<int> TypeIds => _typeIds.AsSpan(0, TokenCount);

    /// <summary>Cumulative sequence offsets, [Count + 1], starting at 0.</summary>
    public ReadOnlySpan<int> Offsets => _offsets.AsSpan(0, Count + 1);

    /// <summary>Packs the encodings picked by <paramref name="order"/> (indices into <paramref name="encodings"/>).</summary>
    public void Pack(IReadOnlyList<TokenEncoding> encodings, ReadOnlySpan<int> order)
    {
        int total = 0;
        foreach (int index in order) total += encodings[index].Ids.Length;
        EnsureCapacity(ref _ids, total);
        EnsureCapacity(ref _typeIds, total);
        EnsureCapacity(ref _offsets, order.Length + 1);

        int position = 0;
        for (int s = 0; s < order.Length; s++)
        {
            var encoding = encodings[order[s]];
            _offsets[s] = position;
            encoding.Ids.CopyTo(_ids, position);
            encoding.TypeIds.CopyTo(_typeIds, position);
            position += encoding.Ids.Length;
        }
        _offsets[order.Length] = position;
        Count = order.Length;
    }

    private static void EnsureCapacity(ref int[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new int[Math.Max(length, buffer.Length * 2)];
    }
}
