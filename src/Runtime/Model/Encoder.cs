using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Kernels;
using EmbedRt.Loader.Safetensors;

namespace EmbedRt.Model;

/// <summary>
/// The BERT / XLM-RoBERTa encoder (post-LayerNorm transformer) over a padding-free packed batch. Every numeric
/// step goes through <see cref="IKernels"/>, so the same code runs on the reference and on the fast kernels;
/// with a device, the same layer loop runs there (weights uploaded once) and only what the heads need comes back.
/// </summary>
internal sealed class Encoder : IDisposable
{
    private readonly EncoderConfig _config;
    private readonly EncoderWeights _weights = null!;
    private readonly IKernels _kernels;
    private readonly IDeviceEncoder? _device;

    public Encoder(EncoderConfig config, SafetensorsCheckpoint checkpoint, IKernels kernels, WeightPrecision precision,
        ComputePrecision compute, IEncoderDevice? device = null, bool deviceFallback = false)
    {
        _config = config;
        _kernels = kernels;
        if (device is not null) _device = LoadOnDevice(config, checkpoint, compute, device, deviceFallback);
        if (_device is null)
        {
            _weights = EncoderWeights.Load(checkpoint, config, kernels, precision, compute);
            WeightPrefix = _weights.Prefix;
        }
        else WeightPrefix = EncoderWeights.FindPrefix(checkpoint);
    }

    /// <summary>The encoder on the device; null when the device cannot run it and the CPU may instead.</summary>
    private static IDeviceEncoder? LoadOnDevice(EncoderConfig config, SafetensorsCheckpoint checkpoint, ComputePrecision compute,
        IEncoderDevice device, bool fallback)
    {
        // The device kernels compute in float32 (16-bit weights widened there); quantized compute is CPU-only.
        if (compute != ComputePrecision.Float32)
            return fallback ? null : throw new ArgumentException($"precision {compute} runs on the CPU kernels only, not on a device", nameof(EmbeddingOptions.Precision));
        try
        {
            return device.Load(config, checkpoint, EncoderWeights.FindPrefix(checkpoint));
        }
        catch (NotSupportedException) when (fallback)
        {
            return null;
        }
        catch (NotSupportedException e)
        {
            // A shape the device's kernels lack (a head size, ...): the option does not fit this model.
            throw new ArgumentException($"{device.Name} cannot run this model: {e.Message}", nameof(EmbeddingOptions.Device), e);
        }
    }

    public EncoderConfig Config => _config;

    /// <summary>The tensor-name prefix of the encoder's weights ("", "bert.", "roberta." …).</summary>
    public string WeightPrefix { get; }

    /// <summary>The device running the forward pass, or null for the CPU kernels.</summary>
    public string? DeviceName => _device?.Name;

    public void Dispose() => _device?.Dispose();

    /// <summary>Whether the encoder runs on a device (<see cref="Device"/>): batches then go through a <see cref="DevicePipeline"/>.</summary>
    public bool OnDevice => _device is not null;

    /// <summary>The device encoder, or null for the CPU kernels.</summary>
    public IDeviceEncoder? Device => _device;

    /// <summary>Runs the encoder; the last hidden state, [batch.TokenCount, hidden], is left in <see cref="EncoderWorkspace.Hidden"/>.</summary>
    public void Forward(PackedBatch batch, EncoderWorkspace workspace)
    {
        if (_device is not null) throw new InvalidOperationException("an encoder on a device runs through a DevicePipeline");
        int tokens = batch.TokenCount, h = _config.Hidden;
        workspace.EnsureTokens(tokens);
        var hidden = workspace.Hidden.AsSpan(0, tokens * h);
        var scratch = workspace.Scratch.AsSpan(0, tokens * h);
        var qkv = workspace.Qkv.AsSpan(0, tokens * 3 * h);
        var inner = workspace.Inner.AsSpan(0, tokens * _config.Intermediate);

        var positions = workspace.Positions.AsSpan(0, tokens);
        ComputePositions(batch, positions);
        var e = _weights.Embeddings;
        _kernels.EmbeddingLayerNorm(batch.Ids, positions, batch.TypeIds, e.Word, e.Position.Span, e.TokenType.Span,
            e.NormGamma.Span, e.NormBeta.Span, _config.LayerNormEps, h, hidden);

        foreach (var layer in _weights.Layers)
        {
            _kernels.Linear(hidden, tokens, layer.Qkv, qkv, Activation.None);
            _kernels.Attention(qkv, batch.Offsets, _config.Heads, _config.HeadDim, scratch);
            _kernels.Linear(scratch, tokens, layer.AttentionOutput, qkv[..(tokens * h)], Activation.None);
            _kernels.AddLayerNorm(qkv[..(tokens * h)], hidden, layer.AttentionNormGamma.Span, layer.AttentionNormBeta.Span,
                _config.LayerNormEps, tokens, h, hidden);
            _kernels.Linear(hidden, tokens, layer.Intermediate, inner, _config.Activation);
            _kernels.Linear(inner, tokens, layer.Output, scratch, Activation.None);
            _kernels.AddLayerNorm(scratch, hidden, layer.OutputNormGamma.Span, layer.OutputNormBeta.Span,
                _config.LayerNormEps, tokens, h, hidden);
        }
    }

    /// <summary>
    /// BERT counts positions from 0. RoBERTa numbers only non-padding tokens, from padding_idx + 1, and gives
    /// padding tokens padding_idx (Hugging Face's create_position_ids_from_input_ids).
    /// </summary>
    public void ComputePositions(PackedBatch batch, Span<int> positions)
    {
        var offsets = batch.Offsets;
        var ids = batch.Ids;
        int pad = _config.PadTokenId;
        for (int s = 0; s + 1 < offsets.Length; s++)
        {
            int next = _config.Family == EncoderFamily.Roberta ? pad + 1 : 0;
            for (int t = offsets[s]; t < offsets[s + 1]; t++)
                positions[t] = _config.Family == EncoderFamily.Roberta && ids[t] == pad ? pad : next++;
        }
    }
}
