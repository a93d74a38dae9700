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

/// <summary>
/// The encoder forward pass on a device, weights already there, driven as a pipeline of batch slots: the host
/// stages batch n + 1 into one slot while batch n runs from the other, then waits for n, submits n + 1 and reads
/// n's outputs while n + 1 runs. At most one batch is in flight; what crosses the bus back is only the heads'
/// outputs (<see cref="LoadHead"/>), never more of the hidden state than a head asks for.
/// </summary>
public interface IDeviceEncoder : IDisposable
{
    /// <summary>What runs the encoder, for logs.</summary>
    string Name { get; }

    /// <summary>Batch slots (2: one running while the next is staged; 1: every batch waited for before the next is staged).</summary>
    int Slots { get; }

    /// <summary>Uploads a head's layers once; pass the handle to <see cref="Submit"/>. The head lives as long as the encoder.</summary>
    IDeviceHead LoadHead(DeviceHeadSpec spec);

    /// <summary>
    /// Copies a packed batch (ids, type ids, offsets, the <paramref name="positions"/> the host computed, and per
    /// sequence the leading <paramref name="skips"/> rows that <see cref="HeadInput.MeanOfTokens"/> leaves out, or
    /// empty for none) into the slot's host staging buffers (page-locked where the device has them). Safe while
    /// another slot's batch runs.
    /// </summary>
    void Stage(int slot, PackedBatch batch, ReadOnlySpan<int> positions, ReadOnlySpan<int> skips);

    /// <summary>
    /// Starts the slot's staged batch: upload, encoder, heads, and the copies of the heads' outputs into the slot's
    /// host buffers. Returns without waiting where the device runs asynchronously. The previous batch must have
    /// been waited for.
    /// </summary>
    void Submit(int slot, IReadOnlyList<IDeviceHead> heads);

    /// <summary>Waits until the slot's submitted batch is done and its outputs are in host memory.</summary>
    void Wait(int slot);

    /// <summary>
    /// Head <paramref name="head"/>'s output for the slot's last batch, [rows, OutFeatures] row-major (rows as
    /// <see cref="DeviceHeadSpec.Input"/> says); valid until the slot is submitted again.
    /// </summary>
    ReadOnlySpan<float> Output(int slot, int head);
}

/// <summary>Which rows of each sequence's last hidden state a device head reads.</summary>
public enum HeadInput
{
    /// <summary>Every token row: [tokens] rows.</summary>
    AllTokens,
    /// <summary>Every row but the first of each sequence (ColBERT): [tokens − sequences] rows.</summary>
    TokensAfterFirst,
    /// <summary>The first row of each sequence (CLS pooling): [sequences] rows.</summary>
    FirstToken,
    /// <summary>The mean of each sequence's rows after its skipped ones (prompt tokens, see <see cref="IDeviceEncoder.Stage"/>): [sequences] rows.</summary>
    MeanOfTokens,
}

/// <summary>One linear layer of a task head: weight [OutFeatures, InFeatures] row-major as PyTorch stores it, bias [OutFeatures].</summary>
public sealed record HeadLayer(ReadOnlyMemory<float> Weight, ReadOnlyMemory<float> Bias, int OutFeatures, int InFeatures, Activation Activation);

/// <summary>
/// A task head the device runs after the encoder: it takes <see cref="Input"/> rows (L2-normalized first when
/// <see cref="Normalize"/>, pooled inputs only), applies <see cref="Layers"/> in turn, and only its output is copied back.
/// </summary>
public sealed record DeviceHeadSpec(HeadInput Input, IReadOnlyList<HeadLayer> Layers, bool Normalize = false);

/// <summary>A head uploaded to a device.</summary>
public interface IDeviceHead
{
    /// <summary>What the head does.</summary>
    DeviceHeadSpec Spec { get; }

    /// <summary>Values per output row: the last layer's outputs, or the hidden size without layers.</summary>
    int OutFeatures { get; }
}
