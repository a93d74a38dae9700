using System.Numerics;
using EmbedRt.Kernels;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// Finds NaN and infinity in weights as they are read, so a corrupt checkpoint is refused at load, naming the
/// tensor, instead of turning every output into NaN. A value is non-finite when its exponent bits are all ones.
/// </summary>
internal static class NonFinite
{
    private const uint Float32Exponent = 0x7F80_0000;
    private const ushort Float16Exponent = 0x7C00, BFloat16Exponent = 0x7F80;

    /// <summary>Index of the first NaN or infinity, or -1.</summary>
    public static int IndexOf(ReadOnlySpan<float> values) => IndexOf(System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(values), Float32Exponent);

    /// <summary>Index of the first NaN or infinity among 16-bit floats, or -1.</summary>
    public static int IndexOf(ReadOnlySpan<ushort> values, HalfFormat format) =>
        IndexOf(values, format == HalfFormat.Float16 ? Float16Exponent : BFloat16Exponent);

    /// <summary>"NaN", "+infinity" or "-infinity", the same in every culture.</summary>
    public static string Describe(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";

    private static int IndexOf<T>(ReadOnlySpan<T> bits, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        var mask = new Vector<T>(exponent);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(bits);
            for (; i < vectors.Length; i++)
                if (Vector.EqualsAny(vectors[i] & mask, mask)) break;
            i *= Vector<T>.Count;
        }
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return i;
        return -1;
    }
}
