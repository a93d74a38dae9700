namespace EmbedRt.Server.Batching;

/// <summary>Counts inputs admitted (queued or running) against a ceiling: the bound that turns overload into 429s.</summary>
internal sealed class InFlightLimit(int capacity)
{
    private int _used;

    public int Capacity => capacity;

    /// <summary>Admits <paramref name="count"/> inputs if they fit under the ceiling.</summary>
    public bool TryAcquire(int count)
    {
        while (true)
        {
            int used = Volatile.Read(ref _used);
            if (used + (long)count > capacity) return false;
            if (Interlocked.CompareExchange(ref _used, used + count, used) == used) return true;
        }
    }

    public void Release(int count) => Interlocked.Add(ref _used, -count);
}
