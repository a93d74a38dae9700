using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>Four floats loaded or stored as one 16-byte access (ld.global.v4.f32 when the view is 16-byte aligned).</summary>
public struct Float4
{
    /// <summary>The four values.</summary>
    public float X, Y, Z, W;
}

/// <summary>
/// Four 16-bit values loaded as one 8-byte access, ld.global.v2.b32 (ILGPU vectorizes 32-bit fields, not 16-bit
/// ones); little-endian, so element 0 is the low half of <see cref="Low"/>.
/// </summary>
public struct Ushort4
{
    /// <summary>Elements 0 (low half) and 1.</summary>
    public uint Low;
    /// <summary>Elements 2 (low half) and 3.</summary>
    public uint High;
}

/// <summary>
/// How a kernel reads weights of one storage type as floats: float32 as is, F16 / BF16 widened in registers
/// (weights stay 16-bit in device memory). Kernels are generic over it, so each format gets its own code.
/// </summary>
public interface IElementReader<T> where T : unmanaged
{
    /// <summary>Element <paramref name="index"/> as a float.</summary>
    float Read(ArrayView<T> view, long index);

    /// <summary>Elements [4·<paramref name="quad"/>, 4·<paramref name="quad"/> + 4) in one vector access.</summary>
    Float4 Read4(ArrayView<T> view, long quad);
}

/// <summary>float32 storage.</summary>
public readonly struct FloatReader : IElementReader<float>
{
    /// <inheritdoc />
    public float Read(ArrayView<float> view, long index) => view[index];

    /// <inheritdoc />
    public Float4 Read4(ArrayView<float> view, long quad) => view.Cast<Float4>().AsAligned(16)[quad];
}

/// <summary>IEEE half storage.</summary>
public readonly struct F16Reader : IElementReader<ushort>
{
    /// <inheritdoc />
    public float Read(ArrayView<ushort> view, long index) => HalfBits.F16ToFloat(view[index]);

    /// <inheritdoc />
    public Float4 Read4(ArrayView<ushort> view, long quad)
    {
        var q = view.Cast<Ushort4>().AsAligned(8)[quad];
        return new Float4
        {
            X = HalfBits.F16ToFloat((ushort)q.Low), Y = HalfBits.F16ToFloat((ushort)(q.Low >> 16)),
            Z = HalfBits.F16ToFloat((ushort)q.High), W = HalfBits.F16ToFloat((ushort)(q.High >> 16)),
        };
    }
}

/// <summary>bfloat16 storage.</summary>
public readonly struct BF16Reader : IElementReader<ushort>
{
    /// <inheritdoc />
    public float Read(ArrayView<ushort> view, long index) => HalfBits.BF16ToFloat(view[index]);

    /// <inheritdoc />
    public Float4 Read4(ArrayView<ushort> view, long quad)
    {
        var q = view.Cast<Ushort4>().AsAligned(8)[quad];
        return new Float4
        {
            X = Interop.IntAsFloat(q.Low << 16), Y = Interop.IntAsFloat(q.Low & 0xFFFF0000u),
            Z = Interop.IntAsFloat(q.High << 16), W = Interop.IntAsFloat(q.High & 0xFFFF0000u),
        };
    }
}

/// <summary>Bit-exact widening of 16-bit encodings, in integer operations every backend has.</summary>
public static class HalfBits
{
    /// <summary>IEEE half to float, subnormals, infinities and NaN included.</summary>
    public static float F16ToFloat(ushort bits)
    {
        uint sign = (uint)(bits & 0x8000) << 16;
        int exponent = (bits >> 10) & 0x1F;
        uint mantissa = (uint)(bits & 0x3FF);
        if (exponent == 0)
        {
            float magnitude = mantissa * 5.9604644775390625e-8f; // 2^-24
            return sign != 0 ? -magnitude : magnitude;
        }
        uint result = exponent == 31
            ? sign | 0x7F800000u | (mantissa << 13)
            : sign | ((uint)(exponent + 112) << 23) | (mantissa << 13);
        return Interop.IntAsFloat(result);
    }

    /// <summary>bfloat16 to float: the upper half of a float's bits.</summary>
    public static float BF16ToFloat(ushort bits) => Interop.IntAsFloat((uint)bits << 16);
}
