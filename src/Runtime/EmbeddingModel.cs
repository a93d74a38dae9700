// CONTRACT: the public shape of the library; implemented by the runtime work.
using EmbedRt.Tokenization;

namespace EmbedRt;

/// <summary>A sentence-embedding model loaded from a Hugging Face / sentence-transformers folder.</summary>
public sealed class EmbeddingModel : IDisposable
{
    /// <summary>Loads a model folder (config.json, safetensors weights, tokenizer files, sentence-transformers files).</summary>
    public static EmbeddingModel Load(string directory, EmbeddingOptions? options = null) => throw new NotImplementedException();

    /// <summary>Vector size.</summary>
    public int Dimension => throw new NotImplementedException();

    /// <summary>The model's tokenizer.</summary>
    public ITextTokenizer Tokenizer => throw new NotImplementedException();

    /// <summary>Embeds texts; results in input order. Safe to call from several threads.</summary>
    public float[][] Embed(IReadOnlyList<string> texts) => throw new NotImplementedException();

    /// <summary>Embeds already tokenized inputs (special tokens included); results in input order.</summary>
    public float[][] Embed(IReadOnlyList<TokenEncoding> encodings) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
