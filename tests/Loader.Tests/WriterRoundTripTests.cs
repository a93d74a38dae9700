using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

public class WriterRoundTripTests
{
    private static TensorData Halves(TensorDType dtype, params ushort[] bits)
    {
        var bytes = new byte[bits.Length * 2];
        for (int i = 0; i < bits.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), bits[i]);
        return new TensorData(dtype, [bits.Length], bytes);
    }

    [Fact]
    public void F16_bit_patterns_convert_exactly()
    {
        var path = Path.Combine(Fixtures.TempDirectory("f16"), "m.safetensors");
        // 1, -2, largest normal, smallest subnormal, smallest normal, -0, 1/3 rounded (non-finite values: NonFiniteWeightTests).
        SafetensorsWriter.Write(path, [new("h", Halves(TensorDType.F16, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x8000, 0x3555))]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        var values = checkpoint.ReadFloat("h", 7).Data.ToArray();
        Assert.Equal([1f, -2f, 65504f, MathF.Pow(2, -24), MathF.Pow(2, -14), -0f, 0.333251953125f], values);
        Assert.True(float.IsNegative(values[5]));
    }

    [Fact]
    public void BF16_bit_patterns_convert_exactly()
    {
        var path = Path.Combine(Fixtures.TempDirectory("bf16"), "m.safetensors");
        // 1, -3, 0.5, smallest subnormal, largest finite (non-finite values: NonFiniteWeightTests).
        SafetensorsWriter.Write(path, [new("b", Halves(TensorDType.BF16, 0x3F80, 0xC040, 0x3F00, 0x0001, 0x7F7F))]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        var values = checkpoint.ReadFloat("b", 5).Data.ToArray();
        Assert.Equal([1f, -3f, 0.5f, MathF.Pow(2, -133), BitConverter.UInt32BitsToSingle(0x7F7F0000)], values);
    }

    [Fact]
    public void Round_trip_keeps_dtypes_shapes_values_and_metadata()
    {
        var path = Path.Combine(Fixtures.TempDirectory("roundtrip"), "m.safetensors");
        var weights = Metrics.Random(6 * 5, seed: 1);
        var odd = Metrics.Random(3, seed: 2);
        SafetensorsWriter.Write(path,
        [
            new("half", TensorData.FromFloats(odd, [3], TensorDType.F16)),
            new("w", TensorData.FromFloats(weights, [6, 5])),
            new("ids", TensorData.FromInt64([0, 1, 2], [1, 3])),
            new("brain", TensorData.FromFloats(odd, [3], TensorDType.BF16)),
            new("empty", TensorData.FromFloats([], [0, 4])),
            new("scalar", TensorData.FromFloats([7f], [])),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal("pt", checkpoint.Metadata["format"]);
        Assert.Equal(weights, checkpoint.ReadFloat("w", 6, 5).Data.ToArray());
        Assert.Equal(odd.Select(v => (float)(Half)v), checkpoint.ReadFloat("half", 3).Data.ToArray());
        Assert.True(Metrics.MaxAbsError(checkpoint.ReadFloat("brain", 3).Data.Span, odd) <= 1f / 128);
        Assert.Equal(TensorDType.I64, checkpoint.Tensors["ids"].DType);
        Assert.Equal(0, checkpoint.ReadFloat("empty", 0, 4).Data.Length);
        Assert.Equal([7f], checkpoint.ReadFloat("scalar").Data.ToArray());
        Assert.Empty(checkpoint.ReadFloat("scalar").Shape);
        // The writer puts wider dtypes first so every tensor stays aligned to its element size.
        Assert.All(checkpoint.Tensors.Values, t => Assert.Equal(0, t.DataOffset % TensorDTypes.SizeOf(t.DType)));
    }

    [Fact]
    public void BF16_encoding_rounds_to_nearest_even()
    {
        var path = Path.Combine(Fixtures.TempDirectory("bf16-round"), "m.safetensors");
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1); just above rounds up.
        float halfway = 1f + MathF.Pow(2, -8), above = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(halfway) + 1);
        SafetensorsWriter.Write(path, [new("b", TensorData.FromFloats([halfway, above], [2], TensorDType.BF16))]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal([1f, 1f + MathF.Pow(2, -7)], checkpoint.ReadFloat("b", 2).Data.ToArray());
    }

    [Fact]
    public void Unaligned_F32_data_is_copied_and_reads_the_same()
    {
        var path = Path.Combine(Fixtures.TempDirectory("unaligned"), "m.safetensors");
        var values = new[] { 1.5f, -2.25f, 3e-3f };
        var data = new byte[1 + 12];
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(1 + 4 * i), values[i]);
        // A 1-byte U8 tensor first pushes the F32 tensor to an odd address.
        RawSafetensors.Write(path,
            """{"pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"F32","shape":[3],"data_offsets":[1,13]}}""", data);

        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        var tensor = checkpoint.ReadFloat("x", 3);
        Assert.Equal(values, tensor.Data.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(tensor.Data, out _));
    }

    [Fact]
    public void Sharded_checkpoint_reads_the_same_as_the_single_file()
    {
        using var single = SafetensorsCheckpoint.OpenDirectory(Fixtures.Model("bert-tiny-zh"));
        var folder = Fixtures.TempDirectory("sharded");
        var tensors = single.Tensors.Values.Select(e => new KeyValuePair<string, TensorData>(e.Name, RawTensor(single, e))).ToList();
        var indexPath = SafetensorsWriter.WriteSharded(folder, tensors, maxShardBytes: 300_000);

        using var sharded = SafetensorsCheckpoint.OpenDirectory(folder);
        Assert.Equal(indexPath, sharded.SourcePath);
        Assert.True(sharded.Files.Count >= 3, $"expected several shards, got {sharded.Files.Count}");
        Assert.Equal(single.Tensors.Keys.Order(), sharded.Tensors.Keys.Order());
        foreach (var entry in single.Tensors.Values)
        {
            Assert.Equal(entry.DType, sharded.Tensors[entry.Name].DType);
            Assert.Equal(entry.Shape, sharded.Tensors[entry.Name].Shape);
            if (!TensorDTypes.IsReadableAsFloat(entry.DType)) continue;
            var shape = Array.ConvertAll(entry.Shape, d => (int)d);
            Assert.Equal(single.ReadFloat(entry.Name, shape).Data.ToArray(), sharded.ReadFloat(entry.Name, shape).Data.ToArray());
        }
        FormatAssert.Fails(() => sharded.ReadFloat("nope", 1), indexPath, "tensor 'nope' not found in model-00001-of-");
    }

    /// <summary>A tensor's raw bytes, read independently of the loader through a FileStream.</summary>
    private static TensorData RawTensor(SafetensorsCheckpoint checkpoint, TensorEntry entry)
    {
        using var stream = File.OpenRead(entry.FilePath);
        stream.Position = entry.DataOffset;
        var bytes = new byte[entry.ByteLength];
        stream.ReadExactly(bytes);
        return new TensorData(entry.DType, entry.Shape, bytes);
    }
}

/// <summary>Every 16-bit pattern converts as the .NET Half / bfloat16 definitions say, on the vector path and the scalar tail.</summary>
public class ExhaustiveHalfConversionTests
{
    // 65536 patterns plus 5 more so the count is not a multiple of the vector width; the U8 tensor misaligns the data.
    private const int Count = 65536 + 5;

    /// <summary>Every pattern, except that non-finite ones (refused at load) are stored as +0.</summary>
    private static float[] ReadAllPatterns(TensorDType dtype)
    {
        var bytes = new byte[1 + 2 * Count];
        for (int i = 0; i < Count; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1 + 2 * i), Finite(dtype, i));
        var path = Path.Combine(Fixtures.TempDirectory("all-halves"), "m.safetensors");
        RawSafetensors.Write(path,
            $$$"""{"pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"{{{dtype}}}","shape":[{{{Count}}}],"data_offsets":[1,{{{bytes.Length}}}]}}""",
            bytes);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        return checkpoint.ReadFloat("x", Count).Data.ToArray();
    }

    private static ushort Finite(TensorDType dtype, int pattern)
    {
        ushort exponent = dtype == TensorDType.F16 ? (ushort)0x7C00 : (ushort)0x7F80;
        return (pattern & exponent) == exponent ? (ushort)0 : (ushort)pattern;
    }

    private static void AssertSame(float expected, float actual, int pattern)
    {
        if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"pattern 0x{pattern:X4}");
        else Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual), $"pattern 0x{pattern:X4}: {actual} != {expected}");
    }

    [Fact]
    public void All_F16_patterns()
    {
        var values = ReadAllPatterns(TensorDType.F16);
        for (int i = 0; i < Count; i++) AssertSame((float)BitConverter.UInt16BitsToHalf(Finite(TensorDType.F16, i)), values[i], i & 0xFFFF);
    }

    [Fact]
    public void All_BF16_patterns()
    {
        var values = ReadAllPatterns(TensorDType.BF16);
        for (int i = 0; i < Count; i++) AssertSame(BitConverter.UInt32BitsToSingle((uint)Finite(TensorDType.BF16, i & 0xFFFF) << 16), values[i], i & 0xFFFF);
    }
}
