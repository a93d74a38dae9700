using EmbedRt.Kernels;

namespace EmbedRt.Heads;

/// <summary>Sentence-vector helpers around <see cref="IKernels.Pool"/>, which does the per-input work.</summary>
internal static class Pooling
{
    /// <summary>
    /// The kernel pooling for a resolved mode. Mean covers every token of the input, special tokens included
    /// (the attention mask covers them all), less any leading prompt tokens the caller leaves out.
    /// </summary>
    public static TokenPooling ToTokenPooling(PoolingMode mode) => mode switch
    {
        PoolingMode.Cls => TokenPooling.First,
        PoolingMode.Mean => TokenPooling.Mean,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "pooling must be resolved before use"),
    };
}
