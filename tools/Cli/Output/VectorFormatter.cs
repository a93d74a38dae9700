using System.Text.Json;
using EmbedRt.Output;

namespace EmbedRt.Cli.Output;

/// <summary>
/// Writes an embedding as --dimensions and --output ask: Matryoshka-truncated, then as floats, integer codes
/// (a JSON array of ints: int8 / uint8 with a per-vector scale, packed binary / ubinary bytes) or a base64 string.
/// </summary>
internal sealed class VectorFormatter(EmbeddingOutputFormat format, int? dimensions, int modelDimension, bool normalized)
{
    public static VectorFormatter Create(string output, int? dimensions, int modelDimension, bool normalized)
    {
        if (dimensions > modelDimension)
            throw new ArgumentException($"--dimensions {dimensions} is more than the model's {modelDimension} dimensions");
        return new(Enum.Parse<EmbeddingOutputFormat>(output, ignoreCase: true), dimensions, modelDimension, normalized);
    }

    public void Write(Utf8JsonWriter writer, float[] vector)
    {
        int keep = dimensions ?? modelDimension;
        if (keep < vector.Length) vector = Matryoshka.Truncate(vector, keep, normalized);
        switch (format)
        {
            case EmbeddingOutputFormat.Float:
                JsonLinesOutput.WriteFloats(writer, vector);
                break;
            case EmbeddingOutputFormat.Base64:
                writer.WriteStringValue(EmbeddingQuantizer.ToBase64(vector));
                break;
            case EmbeddingOutputFormat.Int8:
            {
                var codes = new sbyte[vector.Length];
                EmbeddingQuantizer.ToInt8(vector, codes);
                WriteCodes(writer, codes);
                break;
            }
            case EmbeddingOutputFormat.Binary:
            {
                var codes = new sbyte[EmbeddingQuantizer.PackedLength(vector.Length)];
                EmbeddingQuantizer.ToBinary(vector, codes);
                WriteCodes(writer, codes);
                break;
            }
            case EmbeddingOutputFormat.UInt8:
            {
                var codes = new byte[vector.Length];
                EmbeddingQuantizer.ToUInt8(vector, codes);
                WriteCodes(writer, codes);
                break;
            }
            default:
            {
                var codes = new byte[EmbeddingQuantizer.PackedLength(vector.Length)];
                EmbeddingQuantizer.ToUBinary(vector, codes);
                WriteCodes(writer, codes);
                break;
            }
        }
    }

    private static void WriteCodes<T>(Utf8JsonWriter writer, T[] codes) where T : IConvertible
    {
        writer.WriteStartArray();
        foreach (var code in codes) writer.WriteNumberValue(code.ToInt32(null));
        writer.WriteEndArray();
    }
}
