using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Loader.Torch;

namespace EmbedRt.Heads;

/// <summary>Finds a head's weight file next to the model (NAME.safetensors preferred, else NAME.pt) and reads weight + bias.</summary>
internal static class HeadFiles
{
    /// <summary>More outputs than this (65536) is no head of a sentence model: refused before its storage is inflated.</summary>
    private const int MaxOutFeatures = 1 << 16;

    public static DenseHead? TryLoad(string directory, string name, int inFeatures)
    {
        string safetensors = Path.Combine(directory, name + ".safetensors");
        string torch = Path.Combine(directory, name + ".pt");
        if (ModelFile.Exists(safetensors))
        {
            using var checkpoint = SafetensorsCheckpoint.OpenFile(safetensors);
            return new DenseHead(checkpoint.ReadFloatAnyShape("weight"), checkpoint.ReadFloatAnyShape("bias"), inFeatures, safetensors);
        }
        if (ModelFile.Exists(torch))
        {
            // Checked before anything is inflated: a head is a [out, inFeatures] weight and an [out] bias.
            var expectation = new TensorExpectation(
                new Dictionary<string, long[]> { ["weight"] = [-1, inFeatures], ["bias"] = [-1] }, (inFeatures + 1L) * MaxOutFeatures);
            var tensors = TorchStateDict.Load(torch, expectation);
            return new DenseHead(Get(tensors, "weight", torch), Get(tensors, "bias", torch), inFeatures, torch);
        }
        return null;
    }

    private static FloatTensor Get(IReadOnlyDictionary<string, FloatTensor> tensors, string name, string path) =>
        tensors.TryGetValue(name, out var tensor) ? tensor : throw new ModelFormatException(path, $"tensor '{name}' not found (has {string.Join(", ", tensors.Keys)})");
}
