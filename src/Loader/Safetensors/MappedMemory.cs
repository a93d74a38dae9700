using System.Buffers;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// Exposes naturally aligned data (float32, 16-bit floats) inside a memory map as <see cref="Memory{T}"/> without copying.
/// Asking for the span after the owning file is unmapped throws instead of touching freed memory.
/// </summary>
internal sealed unsafe class MappedMemory<T> : MemoryManager<T> where T : unmanaged
{
    private readonly SafetensorsFile _owner;
    private readonly T* _pointer;
    private readonly int _length;

    public MappedMemory(SafetensorsFile owner, T* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    public override Span<T> GetSpan()
    {
        _owner.ThrowIfDisposed();
        return new Span<T>(_pointer, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        _owner.ThrowIfDisposed();
        if ((uint)elementIndex > (uint)_length) throw new ArgumentOutOfRangeException(nameof(elementIndex));
        // The map never moves, so pinning needs no bookkeeping.
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        // The mapping belongs to the owning file; it is released when the checkpoint is disposed.
    }
}
