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
/// One list of inputs for a <see cref="DevicePipeline"/> run: the heads its batches run, the handler of its outputs,
/// and per input (by index), if given, the leading tokens a mean leaves out.
/// </summary>
internal sealed record DeviceWork(IReadOnlyList<TokenEncoding> Encodings, IReadOnlyList<IDeviceHead> Heads, HeadOutputHandler Handler,
    Func<int, int>? SkipTokens = null);

/// <summary>A <see cref="DeviceWork"/> validated and sorted: its input indices by length, and every input's length (by index).</summary>
internal readonly record struct SortedWork(DeviceWork Work, ReadOnlyMemory<int> Order, ReadOnlyMemory<int> Lengths);

/// <summary>
/// Batches on a device, double-buffered: batch n + 1 is packed, its positions computed and staged into the
/// device's other slot while batch n runs; then n is waited for, n + 1 submitted, and n's outputs handed on
/// while n + 1 runs. With one slot it degrades to the sequential walk. Several works (chunks of a long list,
/// tokenized while the one before runs) flow through one run: the next work's first batch is staged while the
/// last batch of the one before runs, so the device never drains between them. Results do not depend on the
/// overlap: every output row is computed from its own sequence only.
/// </summary>
internal sealed class DevicePipeline
{
    private readonly Encoder _encoder;
    private readonly IDeviceEncoder _device;
    private readonly PackedBatch[] _batches;
    private readonly int[][] _positions;
    private readonly int[][] _skips;
    private readonly (SortedWork Work, int Start, int End)[] _members;

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
        _members = new (SortedWork, int, int)[slots];
    }

    /// <summary>Batch slots: 2 when batches overlap.</summary>
    public int Slots => _batches.Length;

    /// <summary>
    /// Runs each work's inputs in its order (sorted by length) in batches of at most <paramref name="batchSize"/>
    /// inputs and <paramref name="tokenBudget"/> tokens and hands every input's head outputs to its work's handler,
    /// in batch order; <paramref name="check"/> sees each batch's outputs first. <paramref name="works"/> is read
    /// lazily: the next work is asked for while the last batch of the one before runs.
    /// </summary>
    public void Run(IEnumerable<SortedWork> works, int batchSize, int tokenBudget, OutputCheck check)
    {
        int slots = _batches.Length, inFlight = -1, batch = 0;
        try
        {
            foreach (var work in works)
                for (int start = 0; start < work.Order.Length; batch++)
                {
                    int end = LengthBatcher.BatchEnd(work.Order.Span, work.Lengths.Span, start, batchSize, tokenBudget), slot = batch % slots;
                    Stage(work, slot, start, end);
                    int done = inFlight;
                    if (done >= 0)
                    {
                        _device.Wait(done);
                        inFlight = -1;
                    }
                    _device.Submit(slot, work.Work.Heads);
                    inFlight = slot;
                    if (slots == 1)
                    {
                        _device.Wait(slot);
                        inFlight = -1;
                        done = slot;
                    }
                    if (done >= 0) Deliver(done, check);
                    start = end;
                }
            if (inFlight >= 0)
            {
                int last = inFlight;
                _device.Wait(last);
                inFlight = -1;
                Deliver(last, check);
            }
        }
        finally
        {
            // A failure (a bad output, a handler's exception) must not leave a batch running into buffers the next run reuses.
            if (inFlight >= 0) _device.Wait(inFlight);
            Array.Clear(_members); // the works' inputs and handlers are the caller's again
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

    private void Stage(SortedWork work, int slot, int start, int end)
    {
        var (encodings, skipTokens) = (work.Work.Encodings, work.Work.SkipTokens);
        var batch = _batches[slot];
        var members = work.Order.Span[start..end];
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
        _members[slot] = (work, start, end);
    }

    private void Deliver(int slot, OutputCheck check)
    {
        var batch = _batches[slot];
        var (work, start, end) = _members[slot];
        var (heads, handler) = (work.Work.Heads, work.Work.Handler);
        var members = work.Order.Span[start..end];
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
