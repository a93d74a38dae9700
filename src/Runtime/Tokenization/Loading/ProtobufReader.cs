using System.Buffers.Binary;
using System.Text;
using EmbedRt.Loader;

namespace EmbedRt.Tokenization.Loading;

/// <summary>Just enough of the protobuf wire format to read a SentencePiece model; malformed input throws.</summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> data, string filePath)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Reads a field header: field number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        if (field == 0 || tag >> 3 > int.MaxValue) throw Corrupt($"bad field number at byte {_position}");
        return (field, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length) throw Corrupt("truncated varint");
            byte b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw Corrupt($"varint longer than 10 bytes at byte {_position}");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position)) throw Corrupt($"length {length} at byte {_position} runs past the end");
        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public string ReadString()
    {
        try { return new UTF8Encoding(false, true).GetString(ReadBytes()); }
        catch (DecoderFallbackException e) { throw new ModelFormatException(filePath, "invalid UTF-8 in a string field", e); }
    }

    public float ReadFloat()
    {
        if (_data.Length - _position < 4) throw Corrupt("truncated float");
        float value = BinaryPrimitives.ReadSingleLittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw Corrupt($"unsupported wire type {wireType} at byte {_position}");
        }
    }

    public readonly void Expect(int wireType, int expected, string field)
    {
        if (wireType != expected) throw Corrupt($"field {field} has wire type {wireType}, expected {expected}");
    }

    private void Advance(int count)
    {
        if (_data.Length - _position < count) throw Corrupt("truncated fixed-size field");
        _position += count;
    }

    private readonly ModelFormatException Corrupt(string problem) => new(filePath, "not a valid SentencePiece model: " + problem);
}
