namespace EmbedRt.Output;

/// <summary>How an embedding is written out (the CLI's <c>--output</c>): full floats or a compact encoding of them.</summary>
public enum EmbeddingOutputFormat
{
    /// <summary>float32 values.</summary>
    Float,
    /// <summary>One signed byte per dimension: <see cref="EmbeddingQuantizer.ToInt8(ReadOnlySpan{float}, Span{sbyte})"/>.</summary>
    Int8,
    /// <summary>One unsigned byte per dimension: the int8 value + 128.</summary>
    UInt8,
    /// <summary>Packed sign bits as signed bytes (sentence-transformers' "binary": ubinary − 128).</summary>
    Binary,
    /// <summary>Packed sign bits (sentence-transformers' "ubinary"): bit = value &gt; 0, first dimension in the high bit.</summary>
    UBinary,
    /// <summary>The float32 values' little-endian bytes in base64 (OpenAI's <c>encoding_format: "base64"</c>).</summary>
    Base64,
}
