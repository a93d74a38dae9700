using EmbedRt.Loader;

namespace EmbedRt.Tokenization.Loading;

/// <summary>The parts of a SentencePiece ModelProto (sentencepiece_model.proto) a Unigram tokenizer needs.</summary>
internal sealed class SentencePieceModelFile
{
    /// <summary>SentencePiece.Type values.</summary>
    public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

    private const int UnigramModelType = 1;

    public List<(string Piece, float Score, PieceType Type)> Pieces { get; } = [];
    public int ModelType { get; private set; } = UnigramModelType;
    public byte[] PrecompiledCharsMap { get; private set; } = [];
    public bool AddDummyPrefix { get; private set; } = true;
    public bool RemoveExtraWhitespaces { get; private set; } = true;

    public bool IsUnigram => ModelType == UnigramModelType;

    public static SentencePieceModelFile Read(string path)
    {
        byte[] data = ModelFile.ReadAllBytes(path);
        var model = new SentencePieceModelFile();
        var reader = new ProtobufReader(data, path);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.Expect(wire, 2, "pieces"); model.Pieces.Add(ReadPiece(reader.ReadBytes(), path)); break;
                case 2: reader.Expect(wire, 2, "trainer_spec"); model.ReadTrainerSpec(reader.ReadBytes(), path); break;
                case 3: reader.Expect(wire, 2, "normalizer_spec"); model.ReadNormalizerSpec(reader.ReadBytes(), path); break;
                default: reader.Skip(wire); break;
            }
        }
        if (model.Pieces.Count == 0) throw new ModelFormatException(path, "not a valid SentencePiece model: no pieces");
        return model;
    }

    private static (string, float, PieceType) ReadPiece(ReadOnlySpan<byte> data, string path)
    {
        var reader = new ProtobufReader(data, path);
        string? piece = null;
        float score = 0;
        var type = PieceType.Normal;
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.Expect(wire, 2, "piece"); piece = reader.ReadString(); break;
                case 2: reader.Expect(wire, 5, "score"); score = reader.ReadFloat(); break;
                case 3: reader.Expect(wire, 0, "type"); type = (PieceType)reader.ReadVarint(); break;
                default: reader.Skip(wire); break;
            }
        }
        return (piece ?? throw new ModelFormatException(path, "not a valid SentencePiece model: a piece has no text"), score, type);
    }

    private void ReadTrainerSpec(ReadOnlySpan<byte> data, string path)
    {
        var reader = new ProtobufReader(data, path);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 3 && wire == 0) ModelType = (int)reader.ReadVarint();
            else reader.Skip(wire);
        }
    }

    private void ReadNormalizerSpec(ReadOnlySpan<byte> data, string path)
    {
        var reader = new ProtobufReader(data, path);
        while (!reader.AtEnd)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 2: reader.Expect(wire, 2, "precompiled_charsmap"); PrecompiledCharsMap = reader.ReadBytes().ToArray(); break;
                case 3: reader.Expect(wire, 0, "add_dummy_prefix"); AddDummyPrefix = reader.ReadVarint() != 0; break;
                case 4: reader.Expect(wire, 0, "remove_extra_whitespaces"); RemoveExtraWhitespaces = reader.ReadVarint() != 0; break;
                default: reader.Skip(wire); break;
            }
        }
    }
}
