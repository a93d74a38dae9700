namespace EmbedRt.Model;

/// <summary>
/// Keeps memory-mapped weights alive while calls use them: every call holds a lease, and disposal releases the
/// weights only when the last lease is returned. A call that starts after disposal fails with
/// <see cref="ObjectDisposedException"/>; calls already running finish normally. Without this, Dispose on one
/// thread unmaps the file under another thread's forward pass (an access violation, or a worker pool torn down
/// while a caller waits on it).
/// </summary>
internal sealed class WeightLeases(Action release)
{
    private const int DisposedFlag = 1 << 30;

    /// <summary>Leases held (low bits) plus <see cref="DisposedFlag"/> once disposal was asked for.</summary>
    private int _state;

    /// <summary>A lease to hold for the duration of one call (<c>using var lease = leases.Acquire();</c>).</summary>
    /// <exception cref="ObjectDisposedException">The owner (named <paramref name="ownerName"/> in the error) has been disposed.</exception>
    public Lease Acquire(string ownerName)
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if ((state & DisposedFlag) != 0) throw new ObjectDisposedException(ownerName);
            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state) return new Lease(this);
        }
    }

    /// <summary>Refuses new leases; releases the weights now if none is held, else when the last one is returned.</summary>
    public void Dispose()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if ((state & DisposedFlag) != 0) return;
            if (Interlocked.CompareExchange(ref _state, state | DisposedFlag, state) != state) continue;
            if (state == 0) release();
            return;
        }
    }

    private void Return()
    {
        // Exactly one party sees "disposed, no lease left": the last returner here, or Dispose when none was held.
        if (Interlocked.Decrement(ref _state) == DisposedFlag) release();
    }

    /// <summary>One call's hold on the weights.</summary>
    public readonly struct Lease(WeightLeases owner) : IDisposable
    {
        public void Dispose() => owner.Return();
    }
}
