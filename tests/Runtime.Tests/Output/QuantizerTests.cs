using EmbedRt.Output;

namespace EmbedRt.Tests.Output;

public class QuantizerTests
{
    [Fact]
    public void UBinary_packs_sign_bits_big_endian_within_a_byte_like_numpy_packbits()
    {
        // 10 dims: bits 1,0,0,1,1,0,0,0 | 0,1 → 0b10011000, 0b01000000 (the low bits of the last byte padded with 0).
        float[] v = [0.5f, -1f, 0f, 2f, 1e-30f, -0f, -3f, -0.1f, -5f, 7f];
        var packed = new byte[EmbeddingQuantizer.PackedLength(v.Length)];
        EmbeddingQuantizer.ToUBinary(v, packed);
        Assert.Equal([0b1001_1000, 0b0100_0000], packed);

        var signed = new sbyte[packed.Length];
        EmbeddingQuantizer.ToBinary(v, signed);
        Assert.Equal([(sbyte)(0b1001_1000 - 128), (sbyte)(0b0100_0000 - 128)], signed);
    }

    [Fact]
    public void Calibrated_int8_and_uint8_follow_sentence_transformers_formula()
    {
        var ranges = QuantizationRanges.FromCalibration([[-1f, 0f, 2f], [1f, 0.5f, 2f], [0f, 1f, 2f]]);
        Assert.Equal([-1f, 0f, 2f], ranges.Min.ToArray());
        Assert.Equal([1f, 1f, 2f], ranges.Max.ToArray());

        float[] v = [0.3f, 1f, 2f];
        var u = new byte[3];
        EmbeddingQuantizer.ToUInt8(v, ranges, u);
        // trunc((v - min) / ((max - min) / 255)) in float32 as numpy computes it (the maximum lands on 254.99998 → 254
        // there too); an empty range → 0.
        Assert.Equal(165, u[0]);
        Assert.Equal(254, u[1]);
        Assert.Equal(0, u[2]);
        var s = new sbyte[3];
        EmbeddingQuantizer.ToInt8(v, ranges, s);
        Assert.Equal([(sbyte)(165 - 128), (sbyte)126, (sbyte)-128], s);

        // Out of the calibration range: clamped, not wrapped.
        EmbeddingQuantizer.ToInt8([5f, -5f, 2f], ranges, s);
        Assert.Equal([(sbyte)127, (sbyte)-128, (sbyte)-128], s);
    }

    [Fact]
    public void Per_vector_int8_uses_the_full_range_and_reconstructs_within_half_a_step()
    {
        var random = new Random(7);
        var v = Enumerable.Range(0, 37).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var q = new sbyte[v.Length];
        float scale = EmbeddingQuantizer.ToInt8(v, q);
        Assert.Equal(127, q.Max(x => Math.Abs((int)x)));
        for (int i = 0; i < v.Length; i++) Assert.InRange(Math.Abs(q[i] * scale - v[i]), 0, scale / 2 + 1e-6f);

        var u = new byte[v.Length];
        Assert.Equal(scale, EmbeddingQuantizer.ToUInt8(v, u));
        Assert.Equal(q.Select(x => (byte)(x + 128)), u);

        Assert.Equal(0f, EmbeddingQuantizer.ToInt8(new float[4], q.AsSpan(0, 4)));
    }

    [Fact]
    public void Non_finite_values_and_wrong_lengths_are_rejected()
    {
        var q = new sbyte[3];
        var e = Assert.Throws<ArgumentException>(() => EmbeddingQuantizer.ToInt8([1f, float.NaN, 0f], q));
        Assert.Contains("dimension 1", e.Message);
        Assert.Throws<ArgumentException>(() => EmbeddingQuantizer.ToUBinary([1f, float.PositiveInfinity], new byte[1]));
        Assert.Throws<ArgumentException>(() => EmbeddingQuantizer.ToInt8([1f, 2f], q));
        Assert.Throws<ArgumentException>(() => EmbeddingQuantizer.ToUBinary(new float[9], new byte[1]));
        Assert.Throws<ArgumentException>(() => QuantizationRanges.FromCalibration([[1f, 2f], [1f]]));
        Assert.Throws<ArgumentException>(() => QuantizationRanges.FromCalibration([]));
        Assert.Throws<ArgumentException>(() => new QuantizationRanges([2f], [1f]));
    }

    [Fact]
    public void Base64_round_trips_little_endian_float32()
    {
        float[] v = [1f, -0.5f, 3.25e-5f];
        string text = EmbeddingQuantizer.ToBase64(v);
        Assert.Equal(Convert.ToBase64String(v.SelectMany(BitConverter.GetBytes).ToArray()), text);
        Assert.Equal(v, EmbeddingQuantizer.FromBase64(text));
        Assert.Throws<FormatException>(() => EmbeddingQuantizer.FromBase64(Convert.ToBase64String(new byte[5])));
    }

    [Fact]
    public void Matryoshka_truncation_renormalizes_when_asked_and_rejects_bad_sizes()
    {
        float[] v = [3f, 4f, 12f];
        Assert.Equal([0.6f, 0.8f], Matryoshka.Truncate(v, 2, normalize: true));
        Assert.Equal([3f, 4f], Matryoshka.Truncate(v, 2, normalize: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => Matryoshka.Truncate(v, 0, true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Matryoshka.Truncate(v, 4, true));
    }
}
