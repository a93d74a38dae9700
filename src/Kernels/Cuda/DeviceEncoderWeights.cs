using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>Embedding tables and their LayerNorm on the device.</summary>
internal sealed record DeviceEmbeddings(DeviceEmbeddingTable Word, ArrayView<float> Position, ArrayView<float> TokenType,
    ArrayView<float> NormGamma, ArrayView<float> NormBeta);

/// <summary>One transformer layer on the device, Q, K and V stacked into one linear layer.</summary>
internal sealed record DeviceLayer(DeviceLinear Qkv, DeviceLinear AttentionOutput, ArrayView<float> AttentionNormGamma,
    ArrayView<float> AttentionNormBeta, DeviceLinear Intermediate, DeviceLinear Output, ArrayView<float> OutputNormGamma,
    ArrayView<float> OutputNormBeta);

/// <summary>
/// Every encoder weight uploaded once, by Hugging Face name under the checkpoint's prefix, shapes checked by the
/// loader. 16-bit linear weights and word table go up 16-bit; small vectors are widened. Host pages are released
/// after each upload.
/// </summary>
internal sealed class DeviceEncoderWeights : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private DeviceEncoderWeights() { }

    public DeviceEmbeddings Embeddings { get; private set; } = null!;
    public DeviceLayer[] Layers { get; private set; } = [];

    public static DeviceEncoderWeights Upload(Accelerator accelerator, SafetensorsCheckpoint checkpoint, string prefix, EncoderConfig config)
    {
        var weights = new DeviceEncoderWeights();
        try
        {
            weights.Load(accelerator, checkpoint, prefix, config);
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    private void Load(Accelerator accelerator, SafetensorsCheckpoint checkpoint, string prefix, EncoderConfig config)
    {
        int h = config.Hidden;
        ArrayView<float> Vector(string name, params int[] shape) => Own(DeviceUpload.Array(accelerator, checkpoint.ReadFloat(prefix + name, shape).Data.Span)).View;

        const string wordName = "embeddings.word_embeddings.weight";
        var word = checkpoint.ReadHalf(prefix + wordName, config.VocabSize, h) is { } halfWord
            ? new EmbeddingTable(halfWord.Data, halfWord.Format, config.VocabSize, h)
            : new EmbeddingTable(checkpoint.ReadFloat(prefix + wordName, config.VocabSize, h).Data, config.VocabSize, h);
        Embeddings = new DeviceEmbeddings(Own(new DeviceEmbeddingTable(accelerator, word)),
            Vector("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, h),
            Vector("embeddings.token_type_embeddings.weight", config.TypeVocabSize, h),
            Vector("embeddings.LayerNorm.weight", h),
            Vector("embeddings.LayerNorm.bias", h));
        checkpoint.ReleasePages(prefix + wordName);

        Layers = new DeviceLayer[config.Layers];
        for (int i = 0; i < Layers.Length; i++)
        {
            string p = $"{prefix}encoder.layer.{i}.";
            DeviceLinear Linear(string[] names, int outEach, int inFeatures)
            {
                var bias = new float[names.Length * outEach];
                for (int n = 0; n < names.Length; n++)
                    checkpoint.ReadFloat(p + names[n] + ".bias", outEach).Data.Span.CopyTo(bias.AsSpan(n * outEach));
                var halves = Array.ConvertAll(names, name => checkpoint.ReadHalf(p + name + ".weight", outEach, inFeatures));
                DeviceLinear linear;
                if (halves.All(half => half is not null && half.Format == halves[0]!.Format))
                {
                    var stacked = new ushort[names.Length * outEach * inFeatures];
                    for (int n = 0; n < names.Length; n++) halves[n]!.Data.Span.CopyTo(stacked.AsSpan(n * outEach * inFeatures));
                    linear = new DeviceLinear(accelerator, stacked, halves[0]!.Format, bias, names.Length * outEach, inFeatures);
                }
                else
                {
                    var stacked = new float[names.Length * outEach * inFeatures];
                    for (int n = 0; n < names.Length; n++)
                        checkpoint.ReadFloat(p + names[n] + ".weight", outEach, inFeatures).Data.Span.CopyTo(stacked.AsSpan(n * outEach * inFeatures));
                    linear = new DeviceLinear(accelerator, stacked, bias, names.Length * outEach, inFeatures);
                }
                foreach (var name in names) checkpoint.ReleasePages(p + name + ".weight");
                return Own(linear);
            }
            ArrayView<float> LayerVector(string name) => Vector($"encoder.layer.{i}.{name}", h);

            Layers[i] = new DeviceLayer(
                Linear(["attention.self.query", "attention.self.key", "attention.self.value"], h, h),
                Linear(["attention.output.dense"], h, h),
                LayerVector("attention.output.LayerNorm.weight"),
                LayerVector("attention.output.LayerNorm.bias"),
                Linear(["intermediate.dense"], config.Intermediate, h),
                Linear(["output.dense"], h, config.Intermediate),
                LayerVector("output.LayerNorm.weight"),
                LayerVector("output.LayerNorm.bias"));
        }
    }

    private T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        foreach (var resource in _owned) resource.Dispose();
        _owned.Clear();
    }
}
