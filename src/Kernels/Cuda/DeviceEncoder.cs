using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// The encoder forward pass on an ILGPU accelerator: every weight uploaded once at load (F16 / BF16 linear
/// weights and word table stay 16-bit), the packed batch uploaded per call, activations kept on the device, and
/// only the last hidden state copied back. The layer loop is the CPU <c>Encoder</c>'s, op for op.
/// </summary>
internal sealed class DeviceEncoder : IDeviceEncoder
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly DeviceKernels _kernels;
    private readonly DeviceEncoderWeights _weights;
    private readonly DeviceBatch _batch;
    private readonly EncoderConfig _config;
    private MemoryBuffer1D<float, Stride1D.Dense>? _hidden, _qkv, _scratch, _inner, _pooled;
    private int _capacity;

    public DeviceEncoder(Context context, Accelerator accelerator, string name, EncoderConfig config,
        SafetensorsCheckpoint checkpoint, string prefix)
    {
        _context = context;
        _accelerator = accelerator;
        _config = config;
        Name = name;
        try
        {
            _kernels = new DeviceKernels(accelerator);
            if (config.HeadDim > _kernels.MaxHeadDim || config.HeadDim % 4 != 0)
                throw new NotSupportedException($"head size {config.HeadDim} is not supported by the {name} backend (a multiple of 4 up to {_kernels.MaxHeadDim})");
            _weights = DeviceEncoderWeights.Upload(accelerator, checkpoint, prefix, config);
            _batch = new DeviceBatch(accelerator, _kernels.QueryTileRows);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public void Forward(PackedBatch batch, ReadOnlySpan<int> positions, Span<float> hidden)
    {
        RunLayers(batch, positions);
        int rows = batch.TokenCount * _config.Hidden;
        _hidden!.View.BaseView.SubView(0, rows).CopyToCPU(hidden[..rows]);
    }

    public void ForwardPooled(PackedBatch batch, ReadOnlySpan<int> positions, TokenPooling pooling, bool normalize, Span<float> vectors)
    {
        RunLayers(batch, positions);
        int length = batch.Count * _config.Hidden;
        if (_pooled is null || _pooled.Length < length)
        {
            _pooled?.Dispose();
            _pooled = _accelerator.Allocate1D<float>(Math.Max(length, 2 * (_pooled?.Length ?? 0)));
        }
        _kernels.Pool(_hidden!.View.BaseView, _batch, _config.Hidden, pooling, normalize, _pooled.View.BaseView);
        _pooled.View.BaseView.SubView(0, length).CopyToCPU(vectors[..length]);
    }

    /// <summary>The layer loop, the CPU Encoder's op for op; leaves the last hidden state in _hidden.</summary>
    private void RunLayers(PackedBatch batch, ReadOnlySpan<int> positions)
    {
        int tokens = batch.TokenCount, h = _config.Hidden;
        EnsureTokens(tokens);
        _batch.Upload(batch.Ids, positions, batch.TypeIds, batch.Offsets);
        var x = _hidden!.View.BaseView;
        var qkv = _qkv!.View.BaseView;
        var scratch = _scratch!.View.BaseView;
        var inner = _inner!.View.BaseView;
        float eps = _config.LayerNormEps;

        var e = _weights.Embeddings;
        _kernels.EmbeddingLayerNorm(_batch, e.Word, e.Position, e.TokenType, e.NormGamma, e.NormBeta, eps, h, x);
        foreach (var layer in _weights.Layers)
        {
            _kernels.Linear(x, tokens, layer.Qkv, qkv, Activation.None);
            _kernels.Attention(qkv, _batch, _config.Heads, _config.HeadDim, scratch);
            _kernels.Linear(scratch, tokens, layer.AttentionOutput, qkv, Activation.None);
            _kernels.AddLayerNorm(qkv, x, layer.AttentionNormGamma, layer.AttentionNormBeta, eps, tokens, h, x);
            _kernels.Linear(x, tokens, layer.Intermediate, inner, _config.Activation);
            _kernels.Linear(inner, tokens, layer.Output, scratch, Activation.None);
            _kernels.AddLayerNorm(scratch, x, layer.OutputNormGamma, layer.OutputNormBeta, eps, tokens, h, x);
        }
    }

    private void EnsureTokens(int tokens)
    {
        if (tokens <= _capacity) return;
        _capacity = Math.Max(tokens, _capacity + _capacity / 2);
        foreach (var buffer in new[] { _hidden, _qkv, _scratch, _inner }) buffer?.Dispose();
        _hidden = _accelerator.Allocate1D<float>((long)_capacity * _config.Hidden);
        _qkv = _accelerator.Allocate1D<float>((long)_capacity * 3 * _config.Hidden);
        _scratch = _accelerator.Allocate1D<float>((long)_capacity * _config.Hidden);
        _inner = _accelerator.Allocate1D<float>((long)_capacity * _config.Intermediate);
    }

    public void Dispose()
    {
        foreach (var buffer in new[] { _hidden, _qkv, _scratch, _inner, _pooled }) buffer?.Dispose();
        _batch?.Dispose();
        _weights?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }
}
