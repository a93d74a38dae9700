using EmbedRt.Devices;
using EmbedRt.Kernels;
using EmbedRt.Kernels.Reference;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Heads;

/// <summary>
/// A small linear layer of a task head (ColBERT, sparse, classifier), applied one row at a time:
/// too small to be worth packing for the GEMM kernels, so it runs on the reference kernels (double accumulation).
/// </summary>
internal sealed class DenseHead
{
    private static readonly ReferenceKernels Kernels = new();
    private readonly LinearWeights _weights;
    private readonly FloatTensor _weight, _bias;

    public DenseHead(FloatTensor weight, FloatTensor bias, int expectedIn, string source)
    {
        if (weight.Shape.Length != 2 || weight.Shape[1] != expectedIn)
            throw new ModelFormatException(source, $"tensor '{weight.Name}' has shape [{string.Join(", ", weight.Shape)}], expected [*, {expectedIn}]");
        if (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0])
            throw new ModelFormatException(source, $"tensor '{bias.Name}' has shape [{string.Join(", ", bias.Shape)}], expected [{weight.Shape[0]}]");
        _weights = Kernels.PrepareLinear(weight.Data.Span, bias.Data.Span, weight.Shape[0], expectedIn);
        OutFeatures = weight.Shape[0];
        InFeatures = expectedIn;
        (_weight, _bias) = (weight, bias);
    }

    public int OutFeatures { get; }
    public int InFeatures { get; }

    /// <summary>output = activation(W·input + b) for one row.</summary>
    public void Apply(ReadOnlySpan<float> input, Span<float> output, Activation activation = Activation.None) =>
        Kernels.Linear(input, 1, _weights, output, activation);

    /// <summary>The layer as a device head uploads it (PyTorch's [out, in] weight as read).</summary>
    public HeadLayer DeviceLayer(Activation activation = Activation.None) =>
        new(_weight.Data, _bias.Data, OutFeatures, InFeatures, activation);
}
