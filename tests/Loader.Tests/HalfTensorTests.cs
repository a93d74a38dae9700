using System.Buffers.Binary;
using EmbedRt.Kernels;
using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>Reading F16 / BF16 tensors as their 16-bit values, for weights kept 16-bit in memory.</summary>
public class HalfTensorTests
{
    [Fact]
    public void ReadsHalvesAsStoredAndFloat32AsNothing()
    {
        var path = Path.Combine(Fixtures.TempDirectory("halves"), "m.safetensors");
        var values = Metrics.Random(6, seed: 4);
        SafetensorsWriter.Write(path,
        [
            new("h", TensorData.FromFloats(values, [2, 3], TensorDType.F16)),
            new("b", TensorData.FromFloats(values, [3, 2], TensorDType.BF16)),
            new("f", TensorData.FromFloats(values, [6])),
        ]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);

        var half = checkpoint.ReadHalf("h", 2, 3)!;
        Assert.Equal(HalfFormat.Float16, half.Format);
        Assert.Equal([2, 3], half.Shape);
        Assert.Equal(values.Select(v => BitConverter.HalfToUInt16Bits((Half)v)), half.Data.ToArray());
        Assert.Equal(HalfFormat.BFloat16, checkpoint.ReadHalf("b", 3, 2)!.Format);
        Assert.Null(checkpoint.ReadHalf("f", 6));
        var error = Assert.Throws<ModelFormatException>(() => checkpoint.ReadHalf("h", 3, 2));
        Assert.Contains("'h' has shape [2,3], expected [3,2]", error.Message);
    }

    /// <summary>An odd header length leaves 16-bit data at an odd address: it is copied, not mapped, with the same values.</summary>
    [Fact]
    public void ReadsHalvesAtAnOddAddress()
    {
        var path = Path.Combine(Fixtures.TempDirectory("odd-halves"), "m.safetensors");
        const string header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}} ";
        Assert.Equal(1, header.Length % 2);
        var data = new byte[6];
        ushort[] bits = [0x3C00, 0xC000, 0x3555];
        for (int i = 0; i < bits.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), bits[i]);
        RawSafetensors.Write(path, header, data);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal(bits, checkpoint.ReadHalf("h", 3)!.Data.ToArray());
        Assert.Equal([1f, -2f, 0.333251953125f], checkpoint.ReadFloat("h", 3).Data.ToArray());
    }
}

/// <summary>Releasing a copied tensor's pages is advice only: reading it again still gives its values.</summary>
public class PageReleaseTests
{
    [Fact]
    public void TensorsReadAfterReleaseKeepTheirValues()
    {
        var path = Path.Combine(Fixtures.TempDirectory("release"), "m.safetensors");
        var big = Metrics.Random(64 * 1024, seed: 5);
        var small = Metrics.Random(7, seed: 6);
        SafetensorsWriter.Write(path, [new("big", TensorData.FromFloats(big, [256, 256])), new("small", TensorData.FromFloats(small, [7]))]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal(big, checkpoint.ReadFloat("big", 256, 256).Data.ToArray());
        checkpoint.ReleasePages("big");
        checkpoint.ReleasePages("small");
        Assert.Equal(big, checkpoint.ReadFloat("big", 256, 256).Data.ToArray());
        Assert.Equal(small, checkpoint.ReadFloat("small", 7).Data.ToArray());
        Assert.Throws<ModelFormatException>(() => checkpoint.ReleasePages("missing"));
    }
}
