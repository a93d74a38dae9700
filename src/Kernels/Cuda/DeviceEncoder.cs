using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>
/// The encoder forward pass on an ILGPU accelerator: every weight uploaded once at load (F16 / BF16 linear
/// weights and word table stay 16-bit), the packed batch uploaded per call from page-locked staging, activations
/// kept on the device, the heads run there, and only their outputs copied back. The layer loop is the CPU
/// <c>Encoder</c>'s, op for op. The accelerator and its compiled kernels are shared with the device's other
/// encoders; everything of this one's batches is queued on its own stream, in order, so another model's batches
/// neither wait for it nor are waited for (they share no device memory, only the immutable kernels). Two slots
/// of host staging and output buffers let the host prepare batch n + 1 and read batch n − 1 while batch n runs
/// (<see cref="IDeviceEncoder"/>), with no event needed: only one batch of this encoder is ever in flight.
/// </summary>
internal sealed class DeviceEncoder : IDeviceEncoder
{
    private readonly SharedAccelerator _shared;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly DeviceKernels _kernels;
    private readonly DeviceEncoderWeights _weights;
    private readonly DeviceBatch _batch;
    private readonly EncoderConfig _config;
    private readonly DeviceTransfers _transfers;
    private readonly Slot[] _slots;
    private readonly List<DeviceHead> _heads = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _hidden, _qkv, _scratch, _inner, _pooled, _headA, _headB;
    private int _capacity;
    private int _disposed;

    /// <summary>
    /// Uploads the weights onto <paramref name="shared"/>'s accelerator; takes over one hold on it, released at
    /// <see cref="Dispose"/> or here if the upload fails.
    /// </summary>
    public DeviceEncoder(SharedAccelerator shared, string name, EncoderConfig config,
        SafetensorsCheckpoint checkpoint, string prefix, DeviceTransfers transfers, bool overlap)
    {
        _shared = shared;
        var accelerator = _accelerator = shared.Accelerator;
        _config = config;
        _transfers = transfers;
        Name = name;
        _slots = new Slot[overlap ? 2 : 1];
        try
        {
            accelerator.Bind();
            _stream = accelerator.CreateStream();
            _kernels = new DeviceKernels(shared.Kernels, _stream);
            if (config.HeadDim > _kernels.MaxHeadDim || config.HeadDim % 4 != 0)
                throw new NotSupportedException($"head size {config.HeadDim} is not supported by the {name} backend (a multiple of 4 up to {_kernels.MaxHeadDim})");
            _weights = DeviceEncoderWeights.Upload(accelerator, checkpoint, prefix, config);
            _batch = new DeviceBatch(accelerator, _kernels.QueryTileRows);
            for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot(accelerator, transfers, _kernels.QueryTileRows);
            // Weights went up on the default stream, which this encoder's stream does not wait for.
            accelerator.DefaultStream.Synchronize();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public int Slots => _slots.Length;

    /// <summary>The compiled kernels this encoder launches (its device's, shared with its other encoders).</summary>
    internal KernelSet Kernels => _kernels.Set;

    /// <summary>The stream this encoder's batches are queued on.</summary>
    internal AcceleratorStream Stream => _stream;

    /// <summary>Whether the slots' staging buffers are page-locked (false: ordinary arrays, copied synchronously).</summary>
    internal bool PageLocked => _slots.All(slot => slot.Staged.PageLocked);

    /// <summary>Why staging fell back to ordinary arrays, or null.</summary>
    internal string? LockFailure => _slots.Select(slot => slot.Staged.Ids.LockFailure).FirstOrDefault(failure => failure is not null);

    public IDeviceHead LoadHead(DeviceHeadSpec spec)
    {
        _accelerator.Bind();
        var head = DeviceHead.Upload(_accelerator, spec, _config.Hidden);
        _heads.Add(head);
        _accelerator.DefaultStream.Synchronize(); // uploaded on the default stream, read from this encoder's
        return head;
    }

    public void Stage(int slot, PackedBatch batch, ReadOnlySpan<int> positions, ReadOnlySpan<int> skips) =>
        _slots[slot].Staged.Stage(batch.Ids, positions, batch.TypeIds, batch.Offsets, skips);

    public void Submit(int slot, IReadOnlyList<IDeviceHead> heads)
    {
        // Callers' threads vary (a server's requests): make the accelerator's context current on this one.
        _accelerator.Bind();
        var s = _slots[slot];
        var staged = s.Staged;
        var offsets = staged.Offsets.Span[..(staged.Count + 1)];
        // Every buffer grows before anything is queued: nothing is in flight now, while a later resize could free
        // a buffer a queued copy still reads.
        EnsureTokens(staged.Tokens);
        int pooledRows = 0, headFloats = 0;
        foreach (var head in heads.Cast<DeviceHead>())
        {
            int rows = head.Pools ? staged.Count : staged.Tokens;
            if (head.Pools) pooledRows = staged.Count;
            foreach (var layer in head.Layers) headFloats = Math.Max(headFloats, rows * layer.OutFeatures);
        }
        Ensure(ref _pooled, pooledRows * _config.Hidden);
        Ensure(ref _headA, headFloats);
        Ensure(ref _headB, headFloats);
        s.EnsureOutputs(heads, offsets);

        var stream = _stream;
        _batch.Upload(staged, stream);
        RunLayers();
        for (int k = 0; k < heads.Count; k++) RunHead((DeviceHead)heads[k], s.Outputs[k], offsets, stream);
    }

    public void Wait(int slot) => _stream.Synchronize();

    public ReadOnlySpan<float> Output(int slot, int head) => _slots[slot].Output(head);

    /// <summary>One head over the last hidden state: pool or take token rows, apply its layers, copy back only its rows.</summary>
    private void RunHead(DeviceHead head, HostBuffer<float> output, ReadOnlySpan<int> offsets, AcceleratorStream stream)
    {
        int h = _config.Hidden, count = _batch.Count;
        var source = _hidden!.View.BaseView;
        int rows = _batch.Tokens;
        bool afterFirst = head.Spec.Input == HeadInput.TokensAfterFirst;
        if (head.Pools)
        {
            var pooling = head.Spec.Input == HeadInput.MeanOfTokens ? TokenPooling.Mean : TokenPooling.First;
            _kernels.Pool(source, _batch, h, pooling, head.Spec.Normalize, _pooled!.View.BaseView);
            source = _pooled.View.BaseView;
            rows = count;
        }
        for (int i = 0; i < head.Layers.Length; i++)
        {
            var layer = head.Layers[i];
            var target = (i % 2 == 0 ? _headA : _headB)!.View.BaseView;
            var activation = head.Spec.Layers[i].Activation;
            if (afterFirst && i == 0)
            {
                // ColBERT: the first layer reads only the rows after each sequence's first, so its output is packed already.
                _kernels.LinearAfterFirst(source, _batch, layer, target, activation);
                rows -= count;
            }
            else _kernels.Linear(source, rows, layer, target, activation);
            source = target;
        }
        int width = head.OutFeatures;
        if (!afterFirst || head.Layers.Length > 0)
        {
            if (rows > 0) output.CopyFrom(stream, source.SubView(0, (long)rows * width), 0);
            return;
        }
        // The hidden rows after each sequence's first, without a layer to pack them: one copy per sequence.
        for (int s = 0; s < count; s++)
        {
            int first = offsets[s] + 1, length = offsets[s + 1] - first;
            if (length > 0) output.CopyFrom(stream, source.SubView((long)first * width, (long)length * width), (first - 1 - s) * width);
        }
    }

    private void Ensure(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, long length)
    {
        if (length == 0 || (buffer is not null && buffer.Length >= length)) return;
        long capacity = Math.Max(length, 2 * (buffer?.Length ?? 0));
        buffer?.Dispose();
        buffer = _accelerator.Allocate1D<float>(capacity);
    }

    /// <summary>The layer loop, the CPU Encoder's op for op; leaves the last hidden state in _hidden.</summary>
    private void RunLayers()
    {
        int tokens = _batch.Tokens, h = _config.Hidden;
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
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Possibly another thread than the one that loaded it: freeing device memory needs the context current.
        _accelerator.Bind();
        _stream?.Synchronize();
        foreach (var buffer in new[] { _hidden, _qkv, _scratch, _inner, _pooled, _headA, _headB }) buffer?.Dispose();
        foreach (var head in _heads) head.Dispose();
        foreach (var slot in _slots) slot?.Dispose();
        _batch?.Dispose();
        _weights?.Dispose();
        _stream?.Dispose();
        _shared.Release();
    }

    /// <summary>One batch slot: its host staging, and one host output buffer per head.</summary>
    private sealed class Slot(Accelerator accelerator, DeviceTransfers transfers, int queryTileRows) : IDisposable
    {
        private readonly List<HostBuffer<float>> _outputs = [];
        private int[] _lengths = [];

        public StagedBatch Staged { get; } = new(accelerator, transfers, queryTileRows);

        public IReadOnlyList<HostBuffer<float>> Outputs => _outputs;

        /// <summary>Sizes the output buffers for the staged batch (Count + 1 <paramref name="offsets"/>).</summary>
        public void EnsureOutputs(IReadOnlyList<IDeviceHead> heads, ReadOnlySpan<int> offsets)
        {
            while (_outputs.Count < heads.Count) _outputs.Add(new HostBuffer<float>(accelerator, transfers));
            if (_lengths.Length < heads.Count) _lengths = new int[heads.Count];
            for (int k = 0; k < heads.Count; k++)
            {
                int rows = heads[k].Spec.Input switch
                {
                    HeadInput.AllTokens => offsets[^1],
                    HeadInput.TokensAfterFirst => offsets[^1] - (offsets.Length - 1),
                    _ => offsets.Length - 1,
                };
                _lengths[k] = rows * heads[k].OutFeatures;
                _outputs[k].EnsureCapacity(_lengths[k]);
            }
        }

        public ReadOnlySpan<float> Output(int head) => _outputs[head].Span[.._lengths[head]];

        public void Dispose()
        {
            Staged.Dispose();
            foreach (var output in _outputs) output.Dispose();
        }
    }
}
