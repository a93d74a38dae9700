using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Tokenization;

namespace EmbedRt.Model;

/// <summary>Receives one input's head outputs: <paramref name="outputs"/>[k] is head k's rows for this input.</summary>
internal delegate void HeadOutputHandler(int inputIndex, ReadOnlySpan<int> ids, HeadOutputs outputs);

/// <summary>One sequence's rows of every head's output, read straight from the device's host buffers.</summary>
internal readonly ref struct HeadOutputs(IDeviceEncoder device, int slot, IReadOnlyList<IDeviceHead> heads, ReadOnlySpan<int> offsets, int sequence)
{
    private readonly ReadOnlySpan<int> _offsets = offsets;

    /// <summary>Head <paramref name="head"/>'s rows for this sequence, [rows, OutFeatures].</summary>
    public ReadOnlySpan<float> this[int head]
    {
        get
        {
            var (first, rows) = DevicePipeline.Rows(heads[head].Spec.Input, _offsets, sequence);
            int width = heads[head].OutFeatures;
            return device.Output(slot, head).Slice(first * width, rows * width);
        }
    }
}

/// <summary>
/// Batches on a device, double-buffered: batch n + 1 is packed, its positions computed and staged into the
/// device's other slot while batch n runs; then n is waited for, n + 1 submitted, and n's outputs handed on
/// while n + 1 runs. With one slot it degrades to the sequential walk. Results do not depend on the overlap:
/// every output row is computed from its own sequence only.
/// </summary>
internal sealed class DevicePipeline
{
    private readonly Encoder _encoder;
    private readonly IDeviceEncoder _device;
    private readonly PackedBatch[] _batches;
    private readonly int[][] _positions;
    private readonly int[][] _skips;
    private readonly (int Start, int End)[] _members;

    public DevicePipeline(Encoder encoder)
    {
        _encoder = encoder;
        _device = encoder.Device ?? throw new ArgumentException("the encoder runs on the CPU", nameof(encoder));
        int slots = _device.Slots;
        if (slots is < 1 or > 2) throw new NotSupportedException($"{_device.Name} reports {slots} batch slots; 1 or 2 are supported");
        _batches = new PackedBatch[slots];
        for (int i = 0; i < slots; i++) _batches[i] = new PackedBatch();
        _positions = new int[slots][];
        Array.Fill(_positions, []);
        _skips = new int[slots][];
        Array.Fill(_skips, []);
        _members = new (int, int)[slots];
    }

    /// <summary>Batch slots: 2 when batches overlap.</summary>
    public int Slots => _batches.Length;

    /// <summary>
    /// Runs the inputs in <paramref name="order"/> (sorted by length) in batches of at most <paramref name="batchSize"/>
    /// inputs and <paramref name="tokenBudget"/> tokens and hands every input's head outputs to <paramref name="handler"/>;
    /// <paramref name="check"/> sees each batch's outputs first. <paramref name="skipTokens"/> (by input index), if given,
    /// is how many leading tokens a mean leaves out (at most all but one).
    /// </summary>
    public void Run(IReadOnlyList<TokenEncoding> encodings, ReadOnlySpan<int> order, ReadOnlySpan<int> lengths, int batchSize,
        int tokenBudget, IReadOnlyList<IDeviceHead> heads, OutputCheck check, HeadOutputHandler handler, Func<int, int>? skipTokens = null)
    {
        int slots = _batches.Length, inFlight = -1;
        try
        {
            for (int start = 0, batch = 0; start < order.Length; batch++)
            {
                int end = LengthBatcher.BatchEnd(order, lengths, start, batchSize, tokenBudget), slot = batch % slots;
                Stage(encodings, order, slot, start, end, skipTokens);
                int done = inFlight;
                if (done >= 0)
                {
                    _device.Wait(done);
                    inFlight = -1;
                }
                _device.Submit(slot, heads);
                inFlight = slot;
                if (slots == 1)
                {
                    _device.Wait(slot);
                    inFlight = -1;
                    done = slot;
                }
                if (done >= 0) Deliver(order, done, heads, check, handler);
                start = end;
            }
            if (inFlight >= 0)
            {
                int last = inFlight;
                _device.Wait(last);
                inFlight = -1;
                Deliver(order, last, heads, check, handler);
            }
        }
        finally
        {
            // A failure (a bad output, a handler's exception) must not leave a batch running into buffers the next run reuses.
            if (inFlight >= 0) _device.Wait(inFlight);
        }
    }

    /// <summary>The first row and row count of <paramref name="sequence"/> in an output of the given input kind.</summary>
    public static (int First, int Rows) Rows(HeadInput input, ReadOnlySpan<int> offsets, int sequence) => input switch
    {
        HeadInput.AllTokens => (offsets[sequence], offsets[sequence + 1] - offsets[sequence]),
        HeadInput.TokensAfterFirst => (offsets[sequence] - sequence, offsets[sequence + 1] - offsets[sequence] - 1),
        _ => (sequence, 1),
    };

    /// <summary>Output rows of a whole batch.</summary>
    public static int TotalRows(HeadInput input, ReadOnlySpan<int> offsets) => input switch
    {
        HeadInput.AllTokens => offsets[^1],
        HeadInput.TokensAfterFirst => offsets[^1] - (offsets.Length - 1),
        _ => offsets.Length - 1,
    };

    /// <summary>Checks one batch's output of one head before any of it is handed on; <paramref name="members"/> are the batch's inputs.</summary>
    public delegate void OutputCheck(ReadOnlySpan<float> output, HeadInput input, int width, ReadOnlySpan<int> offsets, ReadOnlySpan<int> members);

    private void Stage(IReadOnlyList<TokenEncoding> encodings, ReadOnlySpan<int> order, int slot, int start, int end, Func<int, int>? skipTokens)
    {
        var batch = _batches[slot];
        var members = order[start..end];
        batch.Pack(encodings, members);
        if (_positions[slot].Length < batch.TokenCount) _positions[slot] = new int[Math.Max(batch.TokenCount, 2 * _positions[slot].Length)];
        var positions = _positions[slot].AsSpan(0, batch.TokenCount);
        _encoder.ComputePositions(batch, positions);
        var skips = Span<int>.Empty;
        if (skipTokens is not null)
        {
            if (_skips[slot].Length < members.Length) _skips[slot] = new int[Math.Max(members.Length, 2 * _skips[slot].Length)];
            skips = _skips[slot].AsSpan(0, members.Length);
            for (int s = 0; s < members.Length; s++) skips[s] = Math.Min(skipTokens(members[s]), encodings[members[s]].Ids.Length - 1);
        }
        _device.Stage(slot, batch, positions, skips);
        _members[slot] = (start, end);
    }

    private void Deliver(ReadOnlySpan<int> order, int slot, IReadOnlyList<IDeviceHead> heads, OutputCheck check, HeadOutputHandler handler)
    {
        var batch = _batches[slot];
        var members = order[_members[slot].Start.._members[slot].End];
        var offsets = batch.Offsets;
        for (int k = 0; k < heads.Count; k++)
            check(_device.Output(slot, k), heads[k].Spec.Input, heads[k].OutFeatures, offsets, members);
        for (int s = 0; s < members.Length; s++)
        {
            int first = offsets[s];
            handler(members[s], batch.Ids.Slice(first, offsets[s + 1] - first), new HeadOutputs(_device, slot, heads, offsets, s));
        }
    }
}
