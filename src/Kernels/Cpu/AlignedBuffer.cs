using System.Runtime.InteropServices;

namespace EmbedRt.Kernels.Cpu;

/// <summary>
/// A float array pinned on the pinned-object heap with its start aligned to a 64-byte cache line, so kernels can
/// hold raw pointers into it for its whole life and vector loads never split a line needlessly.
/// </summary>
internal sealed unsafe class AlignedBuffer
{
    private const int AlignmentFloats = 16;
    private readonly float[] _storage;

    public AlignedBuffer(long length)
    {
        if (length > Array.MaxLength - AlignmentFloats)
            throw new ArgumentOutOfRangeException(nameof(length), length, "buffer too large for one array");
        _storage = GC.AllocateArray<float>((int)length + AlignmentFloats, pinned: true);
        float* start = (float*)Marshal.UnsafeAddrOfPinnedArrayElement(_storage, 0);
        int skip = (int)((64 - ((nint)start & 63)) & 63) / sizeof(float);
        Pointer = start + skip;
        Length = (int)length;
    }

    public float* Pointer { get; }

    public int Length { get; }

    /// <summary>Returns <paramref name="buffer"/> if it holds at least <paramref name="length"/> floats, else a bigger one.</summary>
    public static AlignedBuffer AtLeast(AlignedBuffer? buffer, long length)
        => buffer is not null && buffer.Length >= length ? buffer : new AlignedBuffer(Math.Max(length, 16));
}
