using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Heads;

/// <summary>
/// A small linear layer of a task head (ColBERT, sparse, classifier), applied to a few rows at a time:
/// too small to be worth packing for the GEMM kernels, so plain loops with double accumulation.
/// </summary>
internal sealed class DenseHead
{
    private readonly float[] _weight;
    private readonly float[] _bias;

    public DenseHead(FloatTensor weight, FloatTensor bias, int expectedIn, string source)
    {
        if (weight.Shape.Length != 2 || weight.Shape[1] != expectedIn)
            throw new ModelFormatException(source, $"tensor '{weight.Name}' has shape [{string.Join(", ", weight.Shape)}], expected [*, {expectedIn}]");
        if (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])
            throw new ModelFormatException(source, $"tensor '{bias.Name}' has shape [{string.Join(", ", bias.Shape)}], expected [{weight.Shape[0]}]");
        _weight = weight.Data.ToArray();
        _bias = bias.Data.ToArray();
        OutFeatures = weight.Shape[0];
        InFeatures = expectedIn;
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>output = activation(W·input + b) for one row.</summary>
    public void Apply(ReadOnlySpan<float> input, Span<float> output, Activation activation = Activation.None)
    {
        for (int o = 0; o < OutFeatures; o++)
        {
            var row = _weight.AsSpan(o * InFeatures, InFeatures);
            double sum = _bias[o];
            for (int i = 0; i < InFeatures; i++) sum += (double)row[i] * input[i];
            output[o] = (float)ScalarMath.Activate(sum, activation);
        }
    }
}
