using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>
/// An 8192-token input to an XLM-R model with 8194 positions (BGE-M3's limit), on a random-weight model written
/// here: the fast kernels must agree with the reference over the whole length.
/// </summary>
public class LongInputTests
{
    private const int Hidden = 32, Heads = 2, Intermediate = 48, MaxTokens = 8192, Vocab = 1002, Pad = 1;

    [Fact]
    public void EightThousandTokenInputMatchesReference()
    {
        string dir = WriteModel();
        var rng = new Random(5);
        var ids = new int[MaxTokens];
        for (int i = 1; i < ids.Length - 1; i++) ids[i] = rng.Next(4, Vocab - 1);
        ids[0] = 0;
        ids[^1] = 2;
        var encoding = new TokenEncoding(ids, new int[ids.Length]);

        using var fast = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, MaxLength = MaxTokens });
        using var reference = EmbeddingModel.Load(dir, new EmbeddingOptions { Pooling = PoolingMode.Mean, MaxLength = MaxTokens, Kernels = KernelChoice.Reference });

        var fastHidden = fast.LastHiddenState(encoding);
        var referenceHidden = reference.LastHiddenState(encoding);
        Assert.True(Metrics.MaxAbsError(fastHidden, referenceHidden) <= 1e-3, $"max abs error {Metrics.MaxAbsError(fastHidden, referenceHidden)}");
        Assert.True(Metrics.Cosine(fast.Embed([encoding])[0], reference.Embed([encoding])[0]) >= 0.99999);

        var tooLong = new TokenEncoding(new int[MaxTokens + 1], new int[MaxTokens + 1]);
        Assert.Throws<ArgumentException>(() => fast.Embed([tooLong]));
    }

    private static string WriteModel() => RandomModel.Write(new ModelShape
    {
        ModelType = "xlm-roberta", Hidden = Hidden, Heads = Heads, Intermediate = Intermediate,
        MaxPositions = MaxTokens + Pad + 1, TypeVocab = 1, Vocab = Vocab, PadTokenId = Pad,
    }, "xlmr-tiny-m3", seed: 100);
}
