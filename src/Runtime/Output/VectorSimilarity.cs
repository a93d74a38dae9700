using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace EmbedRt.Output;

/// <summary>
/// Similarities between stored embeddings: dot and cosine on float32 and int8 codes, Hamming distance on packed
/// bits. Vector512 / Vector256 paths with a scalar tail, equal to the plain loop (exactly for the integer ones).
/// </summary>
public static class VectorSimilarity
{
    /// <summary>Σ a[i]·b[i] over float32.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a.Length, b.Length);
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= a.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(a[i..]), Vector512.Create(b[i..]), acc);
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= a.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(a[i..]), Vector256.Create(b[i..]), acc);
            sum = Vector256.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Cosine similarity over float32 (0 when either vector is all zeros).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float norms = MathF.Sqrt(Dot(a, a) * Dot(b, b));
        return norms == 0 ? 0 : Dot(a, b) / norms;
    }

    /// <summary>Σ a[i]·b[i] over int8 codes, exact in 32-bit integers (vectors up to 2^17 dimensions).</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        CheckLengths(a.Length, b.Length);
        int i = 0, sum = 0;
        if (Vector512.IsHardwareAccelerated && a.Length >= Vector512<sbyte>.Count)
        {
            var acc = Vector512<int>.Zero;
            for (; i <= a.Length - Vector512<sbyte>.Count; i += Vector512<sbyte>.Count)
            {
                var (aLow, aHigh) = Vector512.Widen(Vector512.Create(a[i..]));
                var (bLow, bHigh) = Vector512.Widen(Vector512.Create(b[i..]));
                acc += PairSums(aLow * bLow) + PairSums(aHigh * bHigh);   // |products| ≤ 16384: exact in 16 bits
            }
            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && a.Length >= Vector256<sbyte>.Count)
        {
            var acc = Vector256<int>.Zero;
            for (; i <= a.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (aLow, aHigh) = Vector256.Widen(Vector256.Create(a[i..]));
                var (bLow, bHigh) = Vector256.Widen(Vector256.Create(b[i..]));
                acc += PairSums(aLow * bLow) + PairSums(aHigh * bHigh);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Cosine similarity of int8 codes (0 when either is all zeros); scale-free, so per-vector scales drop out.</summary>
    public static float Cosine(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        double norms = Math.Sqrt((double)Dot(a, a) * Dot(b, b));
        return norms == 0 ? 0 : (float)(Dot(a, b) / norms);
    }

    /// <summary>Number of differing bits between two packed bit vectors (ubinary bytes).</summary>
    public static int Hamming(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        CheckLengths(a.Length, b.Length);
        // 64-bit popcount is a single instruction on x86-64 and arm64: the cheap wide path.
        var aWords = MemoryMarshal.Cast<byte, ulong>(a);
        var bWords = MemoryMarshal.Cast<byte, ulong>(b);
        int distance = 0;
        for (int w = 0; w < aWords.Length; w++) distance += BitOperations.PopCount(aWords[w] ^ bWords[w]);
        for (int i = aWords.Length * sizeof(ulong); i < a.Length; i++) distance += BitOperations.PopCount((uint)(a[i] ^ b[i]));
        return distance;
    }

    /// <summary>Hamming distance of signed "binary" codes (ubinary − 128): the same bits, so the same distance.</summary>
    public static int Hamming(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b) =>
        Hamming(MemoryMarshal.Cast<sbyte, byte>(a), MemoryMarshal.Cast<sbyte, byte>(b));

    private static Vector512<int> PairSums(Vector512<short> products)
    {
        var (low, high) = Vector512.Widen(products);
        return low + high;
    }

    private static Vector256<int> PairSums(Vector256<short> products)
    {
        var (low, high) = Vector256.Widen(products);
        return low + high;
    }

    private static void CheckLengths(int a, int b)
    {
        if (a != b) throw new ArgumentException($"vectors differ in length ({a} and {b})");
    }
}
