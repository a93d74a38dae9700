using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using EmbedRt.Loader.Config;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Loader.Torch;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>Issue 9, items 2, 4 and 5: files that are not what their name says, corrupt weights, shifted headers, bombs.</summary>
public class HostileFileTests
{
    private static string NewFolder() => Fixtures.TempDirectory("hostile");

    // ---- item 5: non-regular files never hang the load

    [Fact]
    public void A_fifo_named_model_safetensors_is_refused_not_waited_on()
    {
        var folder = NewFolder();
        var path = Path.Combine(folder, SafetensorsCheckpoint.SingleFileName);
        SpecialFiles.MakeFifo(path);
        var error = Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(10, () => SafetensorsCheckpoint.OpenDirectory(folder)));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("not a regular file", error.Problem);
    }

    [Fact]
    public void A_folder_named_model_safetensors_is_named_as_such()
    {
        var folder = NewFolder();
        var path = Path.Combine(folder, SafetensorsCheckpoint.SingleFileName);
        Directory.CreateDirectory(path);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(folder), path, "is a folder, not a file");
    }

    [Fact]
    public void A_fifo_shard_or_index_is_refused()
    {
        var folder = NewFolder();
        var index = Path.Combine(folder, SafetensorsCheckpoint.IndexFileName);
        SpecialFiles.MakeFifo(index);
        Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(10, () => SafetensorsCheckpoint.OpenDirectory(folder)));

        File.Delete(index);
        File.WriteAllText(index, """{"weight_map":{"w":"shard.safetensors"}}""");
        SpecialFiles.MakeFifo(Path.Combine(folder, "shard.safetensors"));
        Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(10, () => SafetensorsCheckpoint.OpenDirectory(folder)));
    }

    [Fact]
    public void Config_files_that_are_fifos_or_endless_devices_are_refused()
    {
        var folder = NewFolder();
        var config = Path.Combine(folder, ModelConfig.FileName);
        SpecialFiles.MakeFifo(config);
        FormatAssertWithin(() => ModelConfig.Load(config), config, "not a regular file");

        SpecialFiles.LinkToDevZero(config); // /dev/zero reports no length: read as empty, not forever
        FormatAssertWithin(() => ModelConfig.Load(config), config, "not valid JSON");

        var modules = Path.Combine(folder, "modules.json");
        SpecialFiles.MakeFifo(modules);
        FormatAssertWithin(() => SentenceTransformersConfig.Load(folder), modules, "not a regular file");
    }

    [Fact]
    public void A_fifo_pt_file_is_refused()
    {
        var path = Path.Combine(NewFolder(), "colbert_linear.pt");
        SpecialFiles.MakeFifo(path);
        FormatAssertWithin(() => TorchStateDict.Load(path), path, "not a regular file");
    }

    private static void FormatAssertWithin(Action action, string path, string problem) =>
        FormatAssert.Fails(() => SpecialFiles.WithinSeconds(10, action), path, problem);

    // ---- item 2: non-finite weights and shifted data

    public static TheoryData<TensorDType, byte[], string> NonFiniteValues => new()
    {
        { TensorDType.F32, BitConverter.GetBytes(float.NaN), "NaN" },
        { TensorDType.F32, BitConverter.GetBytes(float.NegativeInfinity), "-infinity" },
        { TensorDType.F16, BitConverter.GetBytes((ushort)0x7C00), "+infinity" },
        { TensorDType.F16, BitConverter.GetBytes((ushort)0xFE01), "NaN" },
        { TensorDType.BF16, BitConverter.GetBytes((ushort)0x7FC0), "NaN" },
        { TensorDType.BF16, BitConverter.GetBytes((ushort)0xFF80), "-infinity" },
    };

    [Theory]
    [MemberData(nameof(NonFiniteValues))]
    public void Non_finite_weights_are_refused_at_read_naming_file_tensor_and_element(TensorDType dtype, byte[] value, string shown)
    {
        foreach (int misalign in new[] { 0, 1 })
        {
            int size = value.Length, count = 37, at = 29; // past the first vector, in the scalar tail on most widths
            var data = new byte[misalign + count * size];
            Array.Fill(data, (byte)0);
            value.CopyTo(data, misalign + at * size);
            string pad = misalign == 0 ? "" : """ "pad":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},""";
            var path = RawSafetensors.Write(Path.Combine(NewFolder(), "model.safetensors"),
                $$$"""{{{{pad}}} "w":{"dtype":"{{{dtype}}}","shape":[{{{count}}}],"data_offsets":[{{{misalign}}},{{{data.Length}}}]}}""", data);
            using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
            var error = FormatAssert.Fails(() => checkpoint.ReadFloat("w", count), path, "tensor 'w'", "non-finite", $"element {at}");
            Assert.Contains(shown, error.Problem);
            if (dtype != TensorDType.F32)
                FormatAssert.Fails(() => checkpoint.ReadHalf("w", count), path, "tensor 'w'", "non-finite", $"element {at}");
        }
    }

    [Fact]
    public void Finite_extremes_are_accepted()
    {
        var path = Path.Combine(NewFolder(), "model.safetensors");
        float[] values = [float.MaxValue, float.MinValue, float.Epsilon, -0f, 1e-40f];
        SafetensorsWriter.Write(path, [new("w", TensorData.FromFloats(values, [values.Length]))]);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal(values, checkpoint.ReadFloat("w", values.Length).Data.ToArray());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(+1)]
    public void A_header_length_off_by_one_byte_is_refused_not_read_shifted(int delta)
    {
        // The reference writer pads the header with spaces, so a length one byte short still parses as JSON:
        // only the data layout can tell that every tensor is now read one byte off.
        var header = Encoding.UTF8.GetBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}     """);
        var data = new byte[8];
        BitConverter.GetBytes(1.5f).CopyTo(data, 0);
        BitConverter.GetBytes(-2f).CopyTo(data, 4);
        var path = RawSafetensors.WriteBytes(Path.Combine(NewFolder(), "model.safetensors"),
            [.. RawSafetensors.LengthPrefix((ulong)(header.Length + delta)), .. header, .. data]);
        Assert.Throws<ModelFormatException>(() => SafetensorsCheckpoint.OpenFile(path));
    }

    // ---- item 4: .pt storages are checked before they are inflated

    [Fact]
    public void A_pt_storage_larger_than_a_head_may_be_is_refused_before_inflating()
    {
        const int rows = 1 << 20, cols = 64; // 64 Mi floats: 256 MiB declared, a few hundred KiB compressed
        var path = TorchZip(rows, cols, deflate: true);
        var expectation = new TensorExpectation(new Dictionary<string, long[]> { ["weight"] = [-1, cols], ["bias"] = [-1] }, (cols + 1) * 65536L);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = FormatAssert.Fails(() => TorchStateDict.Load(path, expectation), path, "refusing to inflate");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 16 << 20, $"allocated {allocated} bytes before refusing");
        Assert.Contains("elements", error.Problem);
    }

    [Fact]
    public void A_pt_tensor_of_an_unexpected_name_or_shape_is_refused()
    {
        var path = TorchZip(4, 8, deflate: false);
        var wrongShape = new TensorExpectation(new Dictionary<string, long[]> { ["weight"] = [-1, 16], ["bias"] = [-1] }, 1 << 20);
        FormatAssert.Fails(() => TorchStateDict.Load(path, wrongShape), path, "tensor 'weight'", "[4,8]", "[*,16]");
        var wrongName = new TensorExpectation(new Dictionary<string, long[]> { ["kernel"] = [-1, 8], ["bias"] = [-1] }, 1 << 20);
        FormatAssert.Fails(() => TorchStateDict.Load(path, wrongName), path, "unexpected tensor 'weight'");
        var fits = new TensorExpectation(new Dictionary<string, long[]> { ["weight"] = [-1, 8], ["bias"] = [-1] }, 1 << 20);
        Assert.Equal(new[] { 4, 8 }, TorchStateDict.Load(path, fits)["weight"].Shape);
    }

    [Fact]
    public void A_pt_storage_that_inflates_past_its_declared_size_is_refused()
    {
        // Storage of 4 floats, but the view needs only the first: bytes past the view are never inflated.
        var path = TorchZip(1, 4, deflate: true, storageElements: 4, viewRows: 1, viewCols: 1);
        var tensors = TorchStateDict.Load(path);
        Assert.Equal(new[] { 1, 1 }, tensors["weight"].Shape);
    }

    [Fact]
    public void A_pt_with_non_finite_weights_is_refused()
    {
        var path = TorchZip(2, 2, deflate: false, fill: float.NaN);
        FormatAssert.Fails(() => TorchStateDict.Load(path), path, "tensor 'weight'", "non-finite");
    }

    /// <summary>
    /// A torch.save-style zip of {"weight": [rows, cols] (or a [viewRows, viewCols] view), "bias": [rows]} float
    /// storages; the weight storage is <paramref name="storageElements"/> (default rows × cols) values of <paramref name="fill"/>.
    /// </summary>
    internal static string TorchZip(int rows, int cols, bool deflate, float fill = 0.5f, long? storageElements = null, int? viewRows = null, int? viewCols = null)
    {
        long weightElements = storageElements ?? (long)rows * cols;
        int vr = viewRows ?? rows, vc = viewCols ?? cols;
        var path = Path.Combine(NewFolder(), "head.pt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var level = deflate ? CompressionLevel.Fastest : CompressionLevel.NoCompression;
            using (var pickle = zip.CreateEntry("head/data.pkl", level).Open())
                pickle.Write(StateDictPickle([("weight", "0", weightElements, [vr, vc], [vc, 1]), ("bias", "1", rows, [rows], [1])]));
            using (var weight = zip.CreateEntry("head/data/0", level).Open())
            {
                var chunk = new byte[1 << 20];
                for (int i = 0; i < chunk.Length; i += 4) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(i), fill);
                for (long left = weightElements * 4; left > 0; left -= chunk.Length) weight.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
            }
            using (var bias = zip.CreateEntry("head/data/1", level).Open())
                bias.Write(new byte[rows * 4]);
        }
        return path;
    }

    /// <summary>Protocol-2 pickle of an OrderedDict of _rebuild_tensor_v2(storage, 0, shape, stride) float tensors.</summary>
    internal static byte[] StateDictPickle(IEnumerable<(string Name, string Key, long Elements, long[] Shape, long[] Stride)> tensors)
    {
        var p = new MemoryStream();
        void Op(byte op) => p.WriteByte(op);
        void Str(string s) { var b = Encoding.UTF8.GetBytes(s); Op(0x58); p.Write(BitConverter.GetBytes(b.Length)); p.Write(b); }
        void Int(long v) { Op(0x8a); Op(8); p.Write(BitConverter.GetBytes(v)); }
        void Tuple(IEnumerable<long> values) { Op((byte)'('); foreach (var v in values) Int(v); Op((byte)'t'); }
        Op(0x80); Op(2);
        p.Write("ccollections\nOrderedDict\n"u8); Op((byte)')'); Op((byte)'R');
        foreach (var (name, key, elements, shape, stride) in tensors)
        {
            Str(name);
            p.Write("ctorch._utils\n_rebuild_tensor_v2\n"u8);
            Op((byte)'(');
            Op((byte)'('); Str("storage"); p.Write("ctorch\nFloatStorage\n"u8); Str(key); Str("cpu"); Int(elements); Op((byte)'t'); Op((byte)'Q');
            Int(0); Tuple(shape); Tuple(stride);
            Op((byte)'t'); Op((byte)'R');
            Op((byte)'s');
        }
        Op((byte)'.');
        return p.ToArray();
    }
}
