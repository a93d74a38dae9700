using EmbedRt.Batching;
using EmbedRt.Kernels;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;

namespace EmbedRt.Devices;

/// <summary>
/// A device that runs the encoder in place of the CPU kernels. The core only knows this interface; a backend
/// assembly implements it (EmbedRt.Cuda's <c>GpuDevice</c>) and the application passes an instance in
/// <see cref="EmbeddingOptions.Device"/>, so no backend is loaded by reflection and the core stays AOT-clean.
/// </summary>
public interface IEncoderDevice
{
    /// <summary>What runs the encoder, for logs: e.g. "cuda: NVIDIA H100 (sm_90)" or "cpu-sim".</summary>
    string Name { get; }

    /// <summary>
    /// Uploads the encoder's weights (tensor names under <paramref name="weightPrefix"/>, Hugging Face BERT /
    /// XLM-RoBERTa layout) once and returns the encoder that runs on this device.
    /// </summary>
    IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix);
}

/// <summary>The encoder forward pass on a device, weights already there.</summary>
public interface IDeviceEncoder : IDisposable
{
    /// <summary>What runs the encoder, for logs.</summary>
    string Name { get; }

    /// <summary>
    /// Runs a packed batch (ids, type ids and offsets uploaded with the <paramref name="positions"/> the host
    /// computed) and copies the last hidden state, [batch.TokenCount, hidden] row-major, into
    /// <paramref name="hidden"/>.
    /// </summary>
    void Forward(PackedBatch batch, ReadOnlySpan<int> positions, Span<float> hidden);

    /// <summary>
    /// Runs a packed batch and pools each sequence on the device (<see cref="IKernels.Pool"/>'s semantics over all
    /// its rows): only <paramref name="vectors"/>, [batch.Count, hidden], is copied back.
    /// </summary>
    void ForwardPooled(PackedBatch batch, ReadOnlySpan<int> positions, TokenPooling pooling, bool normalize, Span<float> vectors);
}
