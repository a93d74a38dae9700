using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Kernels;
using EmbedRt.Tokenization;

namespace EmbedRt.Model;

/// <summary>Receives the last hidden state of one input: hidden is [ids.Length, hidden size] row-major.</summary>
internal interface ISequenceHandler
{
    void Handle(int inputIndex, ReadOnlySpan<int> ids, ReadOnlySpan<float> hidden);
}

/// <summary>A handler as a delegate, for callers off the hot path.</summary>
internal delegate void SequenceHandler(int inputIndex, ReadOnlySpan<int> ids, ReadOnlySpan<float> hidden);

/// <summary>Receives one input's pooled vector (hidden size values).</summary>
internal delegate void PooledVectorHandler(int inputIndex, ReadOnlySpan<float> vector);

/// <summary>
/// Runs many inputs through the encoder: validates them, sorts by length, packs padding-free batches under a
/// sequence count and token budget, and hands each input's hidden rows to a handler. One forward pass at a time
/// (the kernels and buffers are shared); every buffer is reused, so after warm-up a run allocates nothing.
/// A non-finite hidden state is an error naming the model, never NaN handed on as a vector.
/// </summary>
internal sealed class EncoderRunner
{
    /// <summary>Upper bound on the tokens of one packed batch (a single longer input still runs alone).</summary>
    private const int TokenBudget = 16384;

    private readonly Encoder _encoder;
    private readonly string _modelPath;
    private readonly EncoderWorkspace _workspace;
    private readonly PackedBatch _batch = new();
    private readonly Lock _lock = new();
    private readonly int _batchSize;
    private readonly DevicePipeline? _pipeline;
    private readonly Dictionary<(HeadInput, bool), IDeviceHead> _poolingHeads = new();
    // Two sets: a device run sorts the next work while the last batch of the one before still needs its order.
    private readonly SortBuffers[] _sortBuffers = [new(), new()];

    /// <summary>A runner over <paramref name="encoder"/>; <paramref name="modelPath"/> (the model folder) is named by errors about its outputs.</summary>
    public EncoderRunner(Encoder encoder, int batchSize, string modelPath)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be at least 1, got {batchSize}");
        _encoder = encoder;
        _modelPath = modelPath;
        _workspace = new EncoderWorkspace(encoder.Config);
        _batchSize = batchSize;
        if (encoder.Device is not null) _pipeline = new DevicePipeline(encoder);
    }

    /// <summary>Whether batches run on a device (<see cref="RunHeads(IEnumerable{DeviceWork})"/> and <see cref="LoadHead"/> then serve).</summary>
    public bool OnDevice => _pipeline is not null;

    /// <summary>Whether batches overlap on the device (the next staged while one runs), so preparing inputs ahead pays.</summary>
    public bool Overlaps => _pipeline is { Slots: > 1 };

    public void Run(IReadOnlyList<TokenEncoding> encodings, SequenceHandler handler)
    {
        var adapter = new DelegateHandler(handler);
        Run(encodings, ref adapter);
    }

    public void Run<THandler>(IReadOnlyList<TokenEncoding> encodings, ref THandler handler) where THandler : struct, ISequenceHandler
    {
        if (_pipeline is not null)
        {
            // The device sends back the whole last hidden state: a head that needs less should use RunHeads.
            var local = handler;
            RunHeads(encodings, [PoolingHead(HeadInput.AllTokens, normalize: false)],
                (index, ids, outputs) => local.Handle(index, ids, outputs[0]));
            handler = local;
            return;
        }
        var step = new HiddenStateStep<THandler> { Handler = handler };
        ForEachBatch(encodings, ref step);
        handler = step.Handler;
    }

    /// <summary>
    /// Runs the inputs on the encoder's device and pools each there (<see cref="OnDevice"/> must hold):
    /// only one vector per input comes back, handed to <paramref name="handler"/> in batch order.
    /// </summary>
    /// <remarks>A mean leaves out each input's first <paramref name="skipTokens"/>(index) tokens (prompt tokens), if given.</remarks>
    public void RunPooled(IReadOnlyList<TokenEncoding> encodings, TokenPooling pooling, bool normalize, PooledVectorHandler handler,
        Func<int, int>? skipTokens = null) =>
        RunHeads([PooledWork(encodings, pooling, normalize, handler, skipTokens)]);

    /// <summary>The work of <see cref="RunPooled"/>, to run with others through <see cref="RunHeads(IEnumerable{DeviceWork})"/>.</summary>
    public DeviceWork PooledWork(IReadOnlyList<TokenEncoding> encodings, TokenPooling pooling, bool normalize, PooledVectorHandler handler,
        Func<int, int>? skipTokens = null)
    {
        var input = pooling == TokenPooling.Mean ? HeadInput.MeanOfTokens : HeadInput.FirstToken;
        return new DeviceWork(encodings, [PoolingHead(input, normalize)], (index, _, outputs) => handler(index, outputs[0]), skipTokens);
    }

    /// <summary>Uploads a task head to the encoder's device (<see cref="OnDevice"/> must hold).</summary>
    public IDeviceHead LoadHead(DeviceHeadSpec spec)
    {
        var device = _encoder.Device ?? throw NotOnDevice();
        lock (_lock) return device.LoadHead(spec); // never while another thread's batch is using the device
    }

    /// <summary>
    /// Runs the inputs on the encoder's device with <paramref name="heads"/> there, batch n + 1 prepared while n
    /// runs; each input's head outputs go to <paramref name="handler"/> in batch order. Outputs are checked finite.
    /// </summary>
    public void RunHeads(IReadOnlyList<TokenEncoding> encodings, IReadOnlyList<IDeviceHead> heads, HeadOutputHandler handler,
        Func<int, int>? skipTokens = null) =>
        RunHeads([new DeviceWork(encodings, heads, handler, skipTokens)]);

    /// <summary>
    /// Runs several works as one pipeline, in order, each sorted by length on its own: <paramref name="works"/> is read
    /// lazily, the next one asked for while the last batch of the one before runs, and its first batch staged then,
    /// so the device does not drain between works (chunks of a long list tokenized ahead). Holds the runner until
    /// the last work is done.
    /// </summary>
    public void RunHeads(IEnumerable<DeviceWork> works)
    {
        var pipeline = _pipeline ?? throw NotOnDevice();
        RefuseReentry();
        // Buffers alternate between works with batches: an empty one must not take the set the work before still reads.
        lock (_lock)
            pipeline.Run(works.Where(work => work.Encodings.Count > 0).Select((work, i) => Sort(work, _sortBuffers[i % 2])), _batchSize,
                Math.Max(TokenBudget, _encoder.Config.MaxTokens), CheckFinite);
    }

    private SortedWork Sort(DeviceWork work, SortBuffers buffers)
    {
        int count = work.Encodings.Count;
        SortByLength(work.Encodings, buffers, out _);
        return new SortedWork(work, buffers.Order.AsMemory(0, count), buffers.Lengths.AsMemory(0, count));
    }

    private static InvalidOperationException NotOnDevice() => new("the encoder runs on the CPU, not on a device");

    /// <summary>
    /// A per-group / per-input callback runs inside the batch walk (the lock is re-entrant): a call back into the
    /// same model from there would overwrite the packed batch, workspace and order of the call it came from, and
    /// that call would return wrong vectors. Refused instead.
    /// </summary>
    private void RefuseReentry()
    {
        if (_lock.IsHeldByCurrentThread)
            throw new InvalidOperationException(
                "a callback of a running call used the same model; collect what it needs and call the model after the running call returns");
    }

    /// <summary>A layerless head (the hidden state, or a pooled vector), uploaded once per kind.</summary>
    private IDeviceHead PoolingHead(HeadInput input, bool normalize)
    {
        lock (_lock)
        {
            if (!_poolingHeads.TryGetValue((input, normalize), out var head))
                _poolingHeads[(input, normalize)] = head = LoadHead(new DeviceHeadSpec(input, [], normalize));
            return head;
        }
    }

    /// <summary>
    /// The CPU batch walk: validate, sort by length, cut batches under the count and token budget, pack each into
    /// <see cref="_batch"/> and hand its members (input indices, in batch order) to the step.
    /// </summary>
    private void ForEachBatch<TStep>(IReadOnlyList<TokenEncoding> encodings, ref TStep step) where TStep : struct, IBatchStep
    {
        int count = encodings.Count;
        int budget = Math.Max(TokenBudget, _encoder.Config.MaxTokens);
        RefuseReentry();
        lock (_lock)
        {
            var order = SortByLength(encodings, _sortBuffers[0], out var lengths);
            for (int start = 0; start < count;)
            {
                int end = LengthBatcher.BatchEnd(order, lengths, start, _batchSize, budget);
                var members = order[start..end];
                _batch.Pack(encodings, members);
                step.Run(this, members);
                start = end;
            }
        }
    }

    private void ForwardHidden<THandler>(ReadOnlySpan<int> members, ref THandler handler) where THandler : struct, ISequenceHandler
    {
        int h = _encoder.Config.Hidden;
        _encoder.Forward(_batch, _workspace);
        var offsets = _batch.Offsets;
        CheckFinite(_workspace.Hidden.AsSpan(0, offsets[^1] * h), offsets, members, h);
        for (int s = 0; s < members.Length; s++)
        {
            int first = offsets[s], length = offsets[s + 1] - first;
            handler.Handle(members[s], _batch.Ids.Slice(first, length), _workspace.Hidden.AsSpan(first * h, length * h));
        }
    }

    /// <summary>
    /// Weights are checked finite at load, so NaN or infinity here means the model's arithmetic overflowed float32
    /// (weights of absurd magnitude): a typed error naming the model and the input, not silent garbage.
    /// </summary>
    private void CheckFinite(ReadOnlySpan<float> hidden, ReadOnlySpan<int> offsets, ReadOnlySpan<int> members, int h)
    {
        int bad = NonFinite.IndexOf(hidden);
        if (bad < 0) return;
        int token = bad / h, sequence = 0;
        while (offsets[sequence + 1] <= token) sequence++;
        throw NonFiniteOutput(hidden[bad], members[sequence]);
    }

    /// <summary>The same check for one device head's output of a batch.</summary>
    private void CheckFinite(ReadOnlySpan<float> output, HeadInput input, int width, ReadOnlySpan<int> offsets, ReadOnlySpan<int> members)
    {
        int bad = NonFinite.IndexOf(output[..(DevicePipeline.TotalRows(input, offsets) * width)]);
        if (bad < 0) return;
        int row = bad / width, sequence = 0;
        while (DevicePipeline.Rows(input, offsets, sequence) is var (first, rows) && row >= first + rows) sequence++;
        throw NonFiniteOutput(output[bad], members[sequence]);
    }

    private ModelFormatException NonFiniteOutput(float value, int input) => new(_modelPath,
        $"the encoder produced a non-finite value ({NonFinite.Describe(value)}) for input {input}: the weights overflow float32 arithmetic");

    /// <summary>What is done with one packed batch (a struct, so the hot path stays allocation-free).</summary>
    private interface IBatchStep
    {
        void Run(EncoderRunner runner, ReadOnlySpan<int> members);
    }

    private struct HiddenStateStep<THandler> : IBatchStep where THandler : struct, ISequenceHandler
    {
        public THandler Handler;

        public void Run(EncoderRunner runner, ReadOnlySpan<int> members) => runner.ForwardHidden(members, ref Handler);
    }

    /// <summary>Validates every input and returns the input indices sorted by length (the lengths, by input, in <paramref name="lengths"/>).</summary>
    private Span<int> SortByLength(IReadOnlyList<TokenEncoding> encodings, SortBuffers buffers, out Span<int> lengths)
    {
        int count = encodings.Count;
        if (buffers.Lengths.Length < count)
        {
            buffers.Lengths = new int[count];
            buffers.Order = new int[count];
            buffers.Keys = new long[count];
        }
        lengths = buffers.Lengths.AsSpan(0, count);
        var order = buffers.Order.AsSpan(0, count);
        for (int i = 0; i < count; i++) lengths[i] = Validate(encodings[i], i);
        LengthBatcher.SortByLength(lengths, order, buffers.Keys);
        return order;
    }

    /// <summary>Reused sort buffers: every input's length, the input indices by length, the sort keys.</summary>
    private sealed class SortBuffers
    {
        public int[] Lengths = [];
        public int[] Order = [];
        public long[] Keys = [];
    }

    /// <summary>Checks one input against the model's limits and tables; returns its length.</summary>
    /// <exception cref="ArgumentException">The input is empty, too long, or holds an id or type outside the model's tables.</exception>
    public int Validate(TokenEncoding encoding, int index)
    {
        var config = _encoder.Config;
        if (encoding?.Ids is null || encoding.TypeIds is null) throw new ArgumentNullException(nameof(encoding), $"input {index} is null");
        if (encoding.Ids.Length == 0) throw new ArgumentException($"input {index} has no tokens");
        if (encoding.TypeIds.Length != encoding.Ids.Length)
            throw new ArgumentException($"input {index} has {encoding.Ids.Length} ids but {encoding.TypeIds.Length} type ids");
        if (encoding.Ids.Length > config.MaxTokens)
            throw new ArgumentException($"input {index} has {encoding.Ids.Length} tokens; the model takes at most {config.MaxTokens}");
        foreach (int id in encoding.Ids)
            if ((uint)id >= (uint)config.VocabSize) throw new ArgumentException($"input {index} has token id {id}, outside the vocabulary of {config.VocabSize}");
        foreach (int type in encoding.TypeIds)
            if ((uint)type >= (uint)config.TypeVocabSize) throw new ArgumentException($"input {index} has token type {type}; the model has {config.TypeVocabSize}");
        return encoding.Ids.Length;
    }

    private readonly struct DelegateHandler(SequenceHandler handler) : ISequenceHandler
    {
        public void Handle(int inputIndex, ReadOnlySpan<int> ids, ReadOnlySpan<float> hidden) => handler(inputIndex, ids, hidden);
    }
}
