using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>One engine under test: token ids in, mean-pooled L2-normalized sentence vectors out, in input order.</summary>
internal interface IEmbeddingEngine : IDisposable
{
    string Name { get; }

    float[][] Embed(IReadOnlyList<TokenEncoding> inputs);
}
