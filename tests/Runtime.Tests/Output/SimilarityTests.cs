using System.Numerics;
using EmbedRt.Output;

namespace EmbedRt.Tests.Output;

/// <summary>The SIMD similarity paths against plain loops, on lengths around every vector width.</summary>
public class SimilarityTests
{
    public static TheoryData<int> Lengths => new() { 1, 7, 8, 15, 16, 31, 33, 63, 64, 65, 127, 128, 129, 384, 1000, 1024 };

    [Theory, MemberData(nameof(Lengths))]
    public void Int8_dot_and_cosine_equal_the_scalar_loop(int n)
    {
        var random = new Random(n);
        var a = Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
        a[0] = b[0] = -128;   // the extreme product
        long dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < n; i++) { dot += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
        Assert.Equal(dot, VectorSimilarity.Dot(a, b));
        Assert.Equal(dot / Math.Sqrt((double)aa * bb), VectorSimilarity.Cosine(a, b), 6);
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Float_dot_matches_the_scalar_loop(int n)
    {
        var random = new Random(n + 1);
        var a = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        double dot = 0;
        for (int i = 0; i < n; i++) dot += (double)a[i] * b[i];
        Assert.Equal(dot, VectorSimilarity.Dot(a, b), 1e-5 * Math.Sqrt(n));
    }

    [Theory, MemberData(nameof(Lengths))]
    public void Hamming_counts_differing_bits(int bytes)
    {
        var random = new Random(bytes + 2);
        var a = new byte[bytes];
        var b = new byte[bytes];
        random.NextBytes(a);
        random.NextBytes(b);
        int expected = 0;
        for (int i = 0; i < bytes; i++) expected += BitOperations.PopCount((uint)(a[i] ^ b[i]));
        Assert.Equal(expected, VectorSimilarity.Hamming(a, b));
        var signedA = a.Select(x => (sbyte)(x - 128)).ToArray();
        var signedB = b.Select(x => (sbyte)(x - 128)).ToArray();
        Assert.Equal(expected, VectorSimilarity.Hamming(signedA, signedB));
    }

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => VectorSimilarity.Dot(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => VectorSimilarity.Dot(new sbyte[3], new sbyte[4]));
        Assert.Throws<ArgumentException>(() => VectorSimilarity.Hamming(new byte[3], new byte[4]));
    }
}
