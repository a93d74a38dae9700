using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>Every malformed safetensors file fails at open with a <see cref="ModelFormatException"/> naming the file and the problem.</summary>
public class BadSafetensorsTests
{
    private static string NewPath() => Path.Combine(Fixtures.TempDirectory("bad-st"), "model.safetensors");

    private static void AssertOpenFails(string path, params string[] problemFragments)
    {
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenFile(path).Dispose(), path, problemFragments);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(Path.GetDirectoryName(path)!).Dispose(), path, problemFragments);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void File_shorter_than_the_length_prefix(int length)
    {
        var path = RawSafetensors.WriteBytes(NewPath(), new byte[length]);
        AssertOpenFails(path, $"file is {length} bytes, too short");
    }

    [Fact]
    public void Header_length_past_the_end_of_the_file()
    {
        var path = RawSafetensors.WriteBytes(NewPath(), [.. RawSafetensors.LengthPrefix(100), .. "{}"u8]);
        AssertOpenFails(path, "header length 100 runs past the end of the file (10 bytes)");
    }

    [Fact]
    public void Header_length_absurdly_large()
    {
        var path = RawSafetensors.WriteBytes(NewPath(), [.. RawSafetensors.LengthPrefix(ulong.MaxValue), .. "{}"u8]);
        AssertOpenFails(path, $"header length {ulong.MaxValue} runs past the end of the file");
    }

    [Fact]
    public void Header_length_over_the_limit_even_when_the_file_is_that_long()
    {
        var path = NewPath();
        using (var stream = File.Create(path))
        {
            stream.Write(RawSafetensors.LengthPrefix(SafetensorsCheckpoint.MaxHeaderLength + 1));
            stream.SetLength(8 + SafetensorsCheckpoint.MaxHeaderLength + 1); // sparse: no real data written
        }
        try
        {
            AssertOpenFails(path, "exceeds the", "limit");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"a\": ", "not valid JSON")]
    [InlineData("{\"a\":{}} trailing", "not valid JSON")]
    [InlineData("[1,2]", "header is a JSON Array, not an object")]
    [InlineData("\"text\"", "header is a JSON String, not an object")]
    public void Header_not_a_json_object(string header, string problem)
    {
        var path = RawSafetensors.Write(NewPath(), header, 0);
        AssertOpenFails(path, problem);
    }

    [Fact]
    public void Header_not_utf8()
    {
        byte[] header = [.. "{\""u8, 0xE3, .. "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}"u8];
        var path = RawSafetensors.WriteBytes(NewPath(), [.. RawSafetensors.LengthPrefix((ulong)header.Length), .. header, 0]);
        AssertOpenFails(path, "safetensors header is not valid UTF-8");
    }

    [Theory]
    [InlineData("""{"t":[1]}""", "tensor 't' header entry is a JSON Array, not an object")]
    [InlineData("""{"t":{"shape":[2],"data_offsets":[0,8]}}""", "tensor 't' has no dtype")]
    [InlineData("""{"t":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}""", "tensor 't' has a dtype that is not a string")]
    [InlineData("""{"t":{"dtype":"F32","data_offsets":[0,8]}}""", "tensor 't' has no shape")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2]}}""", "tensor 't' has no data_offsets")]
    [InlineData("""{"t":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "tensor 't' has unknown dtype 'Q4'")]
    [InlineData("""{"t":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", "tensor 't' has unknown dtype 'f32'")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,8]}}""", "tensor 't' has negative dimension -1 in shape [2,-1]")]
    [InlineData("""{"t":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "tensor 't' has a shape that is not an array")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", "tensor 't' has shape element 2.5 that is not a 64-bit integer")]
    [InlineData("""{"t":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}""", "not a 64-bit integer")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "tensor 't' has 1 data_offsets, expected 2")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", "tensor 't' has negative data_offsets [-8,0]")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "tensor 't' has data_offsets end 0 before begin 8")]
    [InlineData("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", "tensor 't' has data_offsets [8,16] past the end of the data section (8 bytes)")]
    [InlineData("""{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "tensor 't' has 8 bytes of data but shape [3] of F32 needs 12")]
    [InlineData("""{"t":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", "tensor 't' has 8 bytes of data but shape [2] of F16 needs 4")]
    [InlineData("""{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", "tensor 't' has shape [4611686018427387904,4] too large to address")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", "tensors 'a' and 'b' overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensors 'a' and 'b' overlap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "tensor 'a' appears twice")]
    [InlineData("""{"__metadata__":[1],"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "__metadata__ is a JSON Array, not an object")]
    [InlineData("""{"__metadata__":{"format":1},"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "__metadata__ value 'format' is not a string")]
    public void Bad_header_entry(string header, string problem)
    {
        var path = RawSafetensors.Write(NewPath(), header, dataLength: 8);
        AssertOpenFails(path, problem);
    }

    [Fact]
    public void Empty_tensors_are_accepted()
    {
        var path = RawSafetensors.Write(NewPath(),
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}""", 6);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal(3, checkpoint.Tensors.Count);
        Assert.Equal(0, checkpoint.ReadFloat("e", 0).Data.Length);
    }

    [Theory] // as the reference implementation: tensors tile the data section, no gap, nothing after the last
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}""", 8, "leaving bytes [4,6)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "leaving bytes [0,4)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 5, "tensors end at data offset 4 but the data section")]
    public void Gaps_and_unused_bytes_are_refused(string header, int dataBytes, string problem)
    {
        var path = RawSafetensors.Write(NewPath(), header, dataBytes);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenFile(path), path, problem);
    }

    [Fact]
    public void Only_float_dtypes_are_readable_as_float()
    {
        var path = RawSafetensors.Write(NewPath(), """{"i":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}""", 8);
        using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
        Assert.Equal(TensorDType.I32, checkpoint.Tensors["i"].DType);
        FormatAssert.Fails(() => checkpoint.ReadFloatAnyShape("i"), path, "tensor 'i' has dtype I32, which cannot be read as float");
    }
}
