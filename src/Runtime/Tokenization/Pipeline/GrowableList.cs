namespace EmbedRt.Tokenization.Pipeline;

/// <summary>A list reused across calls: after warm-up it no longer allocates.</summary>
internal sealed class GrowableList<T>
{
    private T[] _items;

    public GrowableList(int capacity = 64) => _items = new T[capacity];

    public int Count { get; set; }

    public Span<T> Span => _items.AsSpan(0, Count);

    public void Clear() => Count = 0;

    public void Add(T item)
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[Count++] = item;
    }

    public void AddRange(ReadOnlySpan<T> items)
    {
        EnsureCapacity(Count + items.Length);
        items.CopyTo(_items.AsSpan(Count));
        Count += items.Length;
    }

    /// <summary>Drops the first <paramref name="count"/> items, moving the rest to the front.</summary>
    public void RemoveFirst(int count)
    {
        if (count == 0) return;
        _items.AsSpan(count, Count - count).CopyTo(_items);
        Count -= count;
    }

    public void EnsureCapacity(int capacity)
    {
        if (capacity > _items.Length) Array.Resize(ref _items, Math.Max(capacity, _items.Length * 2));
    }
}
