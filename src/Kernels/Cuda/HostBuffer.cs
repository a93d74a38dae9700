using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// Bytes copied between host and device, counted at the one place every batch copy goes through
/// (<see cref="HostBuffer{T}"/>): what a head really sends back, checkable without timing anything.
/// </summary>
public sealed class DeviceTransfers
{
    private long _up, _down, _downCopies;

    /// <summary>Bytes copied host → device by batch runs (weights at load are not counted).</summary>
    public long HostToDeviceBytes => Interlocked.Read(ref _up);

    /// <summary>Bytes copied device → host.</summary>
    public long DeviceToHostBytes => Interlocked.Read(ref _down);

    /// <summary>Device → host copy operations.</summary>
    public long DeviceToHostCopies => Interlocked.Read(ref _downCopies);

    internal void Up(long bytes) => Interlocked.Add(ref _up, bytes);

    internal void Down(long bytes)
    {
        Interlocked.Add(ref _down, bytes);
        Interlocked.Increment(ref _downCopies);
    }
}

/// <summary>
/// Host memory a batch is staged in or its outputs copied back to: page-locked where the accelerator can lock
/// it, so copies are asynchronous DMA on the stream; an ordinary array, copied synchronously, where locking
/// fails (e.g. the memlock limit on ILGPU's CPU accelerator, which locks with mlock). Grows, never shrinks.
/// </summary>
internal sealed class HostBuffer<T> : IDisposable where T : unmanaged
{
    private readonly Accelerator _accelerator;
    private readonly DeviceTransfers _transfers;
    private PageLockedArray1D<T>? _locked;
    private T[] _plain = [];

    /// <summary>An empty buffer; <paramref name="pageLock"/> false keeps it an ordinary array (the fallback, testable anywhere).</summary>
    public HostBuffer(Accelerator accelerator, DeviceTransfers transfers, bool pageLock = true)
    {
        _accelerator = accelerator;
        _transfers = transfers;
        if (!pageLock) LockFailure = "page locking not requested";
    }

    /// <summary>Whether the memory is page-locked (asynchronous copies) rather than an ordinary array.</summary>
    public bool PageLocked => _locked is not null;

    /// <summary>Why page locking fell back to an ordinary array, or null.</summary>
    public string? LockFailure { get; private set; }

    /// <summary>The whole buffer.</summary>
    public Span<T> Span => _locked is not null ? _locked.Span : _plain;

    /// <summary>Makes room for <paramref name="length"/> elements; contents are not kept.</summary>
    public void EnsureCapacity(int length)
    {
        if (Span.Length >= length) return;
        int capacity = Math.Max(Math.Max(length, 2 * Span.Length), 64);
        _locked?.Dispose();
        _locked = null;
        if (LockFailure is null)
        {
            try
            {
                _locked = _accelerator.AllocatePageLocked1D<T>(capacity, uninitialized: true);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LockFailure = $"{e.GetType().Name}: {e.Message}";
            }
        }
        _plain = new T[capacity];
    }

    /// <summary>Queues the copy of the first <paramref name="length"/> elements into <paramref name="target"/>.</summary>
    public void CopyTo(AcceleratorStream stream, ArrayView<T> target, int length)
    {
        if (length == 0) return;
        var destination = target.SubView(0, length);
        if (_locked is not null) destination.CopyFrom(stream, _locked.ArrayView.SubView(0, length));
        else destination.CopyFromCPU(stream, _plain.AsSpan(0, length));
        _transfers.Up((long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    /// <summary>Queues the copy of <paramref name="source"/> into elements [offset, offset + source.Length).</summary>
    public void CopyFrom(AcceleratorStream stream, ArrayView<T> source, int offset)
    {
        if (source.Length == 0) return;
        // Dispatched on the device buffer, as ILGPU's own CopyToPageLockedAsync does.
        if (_locked is not null) source.CopyTo(stream, _locked.ArrayView.SubView(offset, source.Length));
        else source.CopyToCPU(stream, _plain.AsSpan(offset, (int)source.Length));
        _transfers.Down(source.LengthInBytes);
    }

    public void Dispose() => _locked?.Dispose();
}
