using System.Buffers;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// Exposes 4-byte-aligned float32 data inside a memory map as <see cref="Memory{T}"/> without copying.
/// Asking for the span after the owning file is unmapped throws instead of touching freed memory.
/// </summary>
internal sealed unsafe class MappedFloatMemory : MemoryManager<float>
{
    private readonly SafetensorsFile _owner;
    private readonly float* _pointer;
    private readonly int _length;

    public MappedFloatMemory(SafetensorsFile owner, float* pointer, int length)
    {
        _owner = owner;
        _pointer = pointer;
        _length = length;
    }

    public override Span<float> GetSpan()
    {
        _owner.ThrowIfDisposed();
        return new Span<float>(_pointer, _length);
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
