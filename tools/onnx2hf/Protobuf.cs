using System.Buffers.Binary;
using System.Text;

namespace EmbedRt.Onnx2Hf;

/// <summary>Protobuf wire types used by ONNX.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>One field of a protobuf message: its number, wire type, value (varints) or payload, and its raw bytes.</summary>
internal readonly record struct ProtoField(int Number, WireType Type, ulong Varint, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Raw)
{
    public string Text => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>Just enough of the protobuf wire format to walk ONNX messages; malformed input throws <see cref="InvalidDataException"/>.</summary>
internal static class Protobuf
{
    /// <summary>The fields of one message, in order, each with its raw bytes so unchanged fields can be copied as they are.</summary>
    public static List<ProtoField> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<ProtoField>();
        var span = message.Span;
        int position = 0;
        while (position < span.Length)
        {
            int start = position;
            ulong tag = ReadVarint(span, ref position);
            int number = (int)(tag >> 3);
            var type = (WireType)(tag & 7);
            ulong varint = 0;
            ReadOnlyMemory<byte> payload = default;
            switch (type)
            {
                case WireType.Varint:
                    varint = ReadVarint(span, ref position);
                    break;
                case WireType.Fixed64:
                    payload = Take(message, ref position, 8);
                    break;
                case WireType.Fixed32:
                    payload = Take(message, ref position, 4);
                    break;
                case WireType.LengthDelimited:
                    ulong length = ReadVarint(span, ref position);
                    if (length > (ulong)(span.Length - position)) throw new InvalidDataException($"field {number}: length {length} runs past the end");
                    payload = Take(message, ref position, (int)length);
                    break;
                default:
                    throw new InvalidDataException($"field {number}: unsupported wire type {(int)type} at byte {start}");
            }
            if (number == 0) throw new InvalidDataException($"field number 0 at byte {start}");
            fields.Add(new ProtoField(number, type, varint, payload, message[start..position]));
        }
        return fields;
    }

    /// <summary>Repeated int64 values of a field that may be packed (one length-delimited run) or not.</summary>
    public static IEnumerable<long> Int64s(ProtoField field)
    {
        if (field.Type == WireType.Varint)
        {
            yield return (long)field.Varint;
            yield break;
        }
        var data = field.Payload;
        int position = 0;
        while (position < data.Length) yield return (long)ReadVarint(data.Span, ref position);
    }

    private static ReadOnlyMemory<byte> Take(ReadOnlyMemory<byte> message, ref int position, int length)
    {
        if (length > message.Length - position) throw new InvalidDataException($"truncated field at byte {position}");
        var slice = message.Slice(position, length);
        position += length;
        return slice;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length) throw new InvalidDataException("truncated varint");
            byte b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException($"varint longer than 10 bytes at byte {position}");
    }

    // Writing.

    public static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    public static void WriteTag(Stream stream, int number, WireType type) => WriteVarint(stream, ((ulong)number << 3) | (ulong)type);

    public static void WriteVarintField(Stream stream, int number, long value)
    {
        WriteTag(stream, number, WireType.Varint);
        WriteVarint(stream, (ulong)value);
    }

    public static void WriteBytesField(Stream stream, int number, ReadOnlySpan<byte> payload)
    {
        WriteTag(stream, number, WireType.LengthDelimited);
        WriteVarint(stream, (ulong)payload.Length);
        stream.Write(payload);
    }

    public static void WriteStringField(Stream stream, int number, string value) => WriteBytesField(stream, number, Encoding.UTF8.GetBytes(value));

    /// <summary>A message built by <paramref name="write"/>, as bytes.</summary>
    public static byte[] Message(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return stream.ToArray();
    }

    public static long[] Int64sLittleEndian(ReadOnlySpan<byte> littleEndian)
    {
        var values = new long[littleEndian.Length / 8];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(littleEndian[(8 * i)..]);
        return values;
    }

    public static float[] Floats(ReadOnlySpan<byte> littleEndian)
    {
        var values = new float[littleEndian.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(littleEndian[(4 * i)..]);
        return values;
    }
}
