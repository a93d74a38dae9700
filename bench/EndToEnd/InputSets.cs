using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>A named list of tokenized inputs that both engines get, identical.</summary>
internal sealed record InputSet(string Name, string Description, IReadOnlyList<TokenEncoding> Inputs)
{
    /// <summary>Real tokens (no padding) over all inputs: the numerator of tokens/s for both engines.</summary>
    public long TokenCount => Inputs.Sum(i => (long)i.Ids.Length);
}

/// <summary>
/// Seeded random inputs: ordinary token ids drawn uniformly from the vocabulary, framed [CLS] … [SEP]
/// (or &lt;s&gt; … &lt;/s&gt;), lengths counted with the special tokens.
/// </summary>
internal static class InputSets
{
    public static readonly string[] Names = ["short", "128", "512", "mixed"];

    /// <summary>Inputs per set at scale 1: enough for several full batches, small enough for bert-base at 512.</summary>
    private static int BaseCount(string name) => name switch
    {
        "short" => 256,
        "128" => 128,
        "512" => 32,
        "mixed" => 128,
        _ => throw new ArgumentException($"unknown input set '{name}' (known: {string.Join(", ", Names)})"),
    };

    public static InputSet Create(string name, ModelInfo model, double scale, int seed)
    {
        int count = Math.Max(1, (int)Math.Round(BaseCount(name) * scale));
        var random = new Random(unchecked(seed * 1_000_003) ^ StableHash(name));
        int Clamp(int length) => Math.Clamp(length, 3, model.MaxTokens);
        Func<int> length = name switch
        {
            "short" => () => random.Next(8, 41),
            "128" => () => 128,
            "512" => () => 512,
            // Long-tailed like real corpora: log-normal, median ~64 tokens, clamped to 5..510.
            "mixed" => () => Math.Clamp((int)Math.Round(Math.Exp(Math.Log(64) + 0.9 * Gaussian(random))), 5, 510),
            _ => throw new ArgumentException($"unknown input set '{name}'"),
        };
        string description = name switch
        {
            "short" => "8–40 tokens, uniform",
            "128" => "128 tokens each",
            "512" => "512 tokens each",
            _ => "log-normal lengths (median 64, σ 0.9), 5–510 tokens",
        };
        var inputs = new TokenEncoding[count];
        for (int i = 0; i < count; i++) inputs[i] = RandomInput(model, Clamp(length()), random);
        return new InputSet(name, description, inputs);
    }

    private static TokenEncoding RandomInput(ModelInfo model, int length, Random random)
    {
        var ids = new int[length];
        ids[0] = model.ClsId;
        ids[^1] = model.SepId;
        for (int t = 1; t < length - 1; t++)
        {
            int id;
            do id = random.Next(model.VocabSize); while (model.SpecialIds.Contains(id));
            ids[t] = id;
        }
        return new TokenEncoding(ids, new int[length]);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>string.GetHashCode and HashCode are randomized per process; sets must be identical across runs.</summary>
    private static int StableHash(string text)
    {
        int hash = 17;
        foreach (char c in text) hash = unchecked(hash * 31 + c);
        return hash;
    }
}
