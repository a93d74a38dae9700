using System.IO.Compression;
using System.Text;
using EmbedRt.Loader;
using EmbedRt.Loader.Torch;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests.Torch;

public class TorchStateDictTests
{
    private static readonly string M3 = Fixtures.Model("xlmr-tiny-m3");

    [Theory]
    [InlineData("colbert_linear.pt", 64, 64)]
    [InlineData("sparse_linear.pt", 1, 64)]
    public void ReadsBgeM3HeadsWithTheStoredValues(string file, int rows, int cols)
    {
        var tensors = TorchStateDict.Load(Path.Combine(M3, file));

        Assert.Equal(new[] { "bias", "weight" }, tensors.Keys.Order());
        Assert.Equal(new[] { rows, cols }, tensors["weight"].Shape);
        Assert.Equal(new[] { rows }, tensors["bias"].Shape);
        // Compare with the raw little-endian floats of the storage files, read independently of the pickle.
        var entries = ReadEntries(Path.Combine(M3, file));
        string folder = Path.GetFileNameWithoutExtension(file);
        AssertFloatsEqual(entries[$"{folder}/data/0"], tensors["weight"].Data.Span);
        AssertFloatsEqual(entries[$"{folder}/data/1"], tensors["bias"].Data.Span);
    }

    [Fact]
    public void AcceptsAnyFolderNameInsideTheArchive()
    {
        var entries = ReadEntries(Path.Combine(M3, "sparse_linear.pt"));
        var renamed = entries.ToDictionary(e => "archive/" + e.Key[(e.Key.IndexOf('/') + 1)..], e => e.Value);
        var tensors = TorchStateDict.Load(WriteZip(renamed));
        Assert.Equal(new[] { 1, 64 }, tensors["weight"].Shape);
    }

    [Fact]
    public void ConvertsHalfStorages()
    {
        var entries = ReadEntries(Path.Combine(M3, "sparse_linear.pt"));
        var pickle = Encoding.Latin1.GetString(entries["sparse_linear/data.pkl"]).Replace("torch\nFloatStorage", "torch\nHalfStorage");
        entries["sparse_linear/data.pkl"] = Encoding.Latin1.GetBytes(pickle);
        var expected = Enumerable.Range(0, 64).Select(i => (Half)(i * 0.25f - 8)).ToArray();
        entries["sparse_linear/data/0"] = expected.SelectMany(h => BitConverter.GetBytes(h)).ToArray();
        entries["sparse_linear/data/1"] = BitConverter.GetBytes((Half)1.5f);

        var tensors = TorchStateDict.Load(WriteZip(entries));

        Assert.Equal(expected.Select(h => (float)h), tensors["weight"].Data.ToArray());
        Assert.Equal(1.5f, tensors["bias"].Data.Span[0]);
    }

    public static TheoryData<string, string> HostilePickles => new()
    {
        // GLOBAL os.system, then REDUCE with ('true',): must be refused before anything is called
        { "\u0080\u0002cos\nsystem\nX\u0004\u0000\u0000\u0000true\u0085R.", "os.system" },
        { "\u0080\u0002cposix\nsystem\n.", "posix.system" },
        { "\u0080\u0002cbuiltins\neval\n.", "builtins.eval" },
        { "\u0080\u0002ctorch._utils\n_rebuild_tensor_v2\n)\u0081.", "0x81" },           // NEWOBJ
        { "\u0080\u0002(ios\nsystem\n.", "0x69" },                                      // INST
        { "\u0080\u0002(cos\nsystem\no.", "os.system" },                               // OBJ after a refused global
        { "\u0080\u0002ccollections\nOrderedDict\n)R", "ends before STOP" },           // truncated
        { "\u0080\u0002h\u0005.", "memo" },
        { "\u0080\u0002X\u00ff\u00ff\u00ff\u007f.", "ends inside" },                   // string length past the end
        { "\u0080\u0002R.", "underflow" },
    };

    [Theory]
    [MemberData(nameof(HostilePickles))]
    public void RejectsAnythingButATensorStateDict(string pickle, string expected)
    {
        string path = WriteZip(new() { ["archive/data.pkl"] = Encoding.Latin1.GetBytes(pickle) });
        var error = Assert.Throws<ModelFormatException>(() => TorchStateDict.Load(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void RejectsStorageOfTheWrongSize()
    {
        var entries = ReadEntries(Path.Combine(M3, "sparse_linear.pt"));
        entries["sparse_linear/data/0"] = new byte[100];
        var error = Assert.Throws<ModelFormatException>(() => TorchStateDict.Load(WriteZip(entries)));
        Assert.Contains("data/0", error.Message);
    }

    [Fact]
    public void RejectsMissingStorage()
    {
        var entries = ReadEntries(Path.Combine(M3, "sparse_linear.pt"));
        entries.Remove("sparse_linear/data/1");
        var error = Assert.Throws<ModelFormatException>(() => TorchStateDict.Load(WriteZip(entries)));
        Assert.Contains("'bias'", error.Message);
    }

    [Fact]
    public void RejectsFilesThatAreNotZipArchives()
    {
        string path = Path.Combine(Fixtures.TempDirectory("pt"), "legacy.pt");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("\u0080\u0002not a zip"));
        var error = Assert.Throws<ModelFormatException>(() => TorchStateDict.Load(path));
        Assert.Contains("zip", error.Message);
    }

    private static Dictionary<string, byte[]> ReadEntries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var stream = e.Open();
            var buffer = new byte[e.Length];
            stream.ReadExactly(buffer);
            return buffer;
        });
    }

    private static string WriteZip(Dictionary<string, byte[]> entries)
    {
        string path = Path.Combine(Fixtures.TempDirectory("pt"), "state.pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            stream.Write(bytes);
        }
        return path;
    }

    private static void AssertFloatsEqual(byte[] raw, ReadOnlySpan<float> actual)
    {
        Assert.Equal(raw.Length / 4, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.Equal(BitConverter.ToSingle(raw, i * 4), actual[i]);
    }
}
