using System.Buffers.Binary;
using System.Text;

namespace EmbedRt.Loader.Tests;

/// <summary>Crafts safetensors bytes by hand, including malformed ones the writer refuses to produce.</summary>
internal static class RawSafetensors
{
    /// <summary>8-byte length of <paramref name="headerJson"/>, the header, then <paramref name="dataLength"/> bytes 0, 1, 2, ...</summary>
    public static string Write(string path, string headerJson, int dataLength)
    {
        var data = new byte[dataLength];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)i;
        return Write(path, headerJson, data);
    }

    public static string Write(string path, string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        return WriteBytes(path, [.. LengthPrefix((ulong)header.Length), .. header, .. data]);
    }

    public static byte[] LengthPrefix(ulong length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        return bytes;
    }

    public static string WriteBytes(string path, byte[] content)
    {
        File.WriteAllBytes(path, content);
        return path;
    }
}
