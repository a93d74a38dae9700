using EmbedRt.Kernels;
using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt;

/// <summary>Tokenizing and embedding as two steps, so inputs of many callers can share one batched forward pass.</summary>
public sealed partial class EmbeddingModel
{
    /// <summary>Tokenizes texts (with optional pair texts) and applies the prompt and long-input policy. Thread-safe.</summary>
    /// <exception cref="ArgumentException">An unknown prompt name, or an input over the limit under <see cref="LongInputPolicy.Error"/>.</exception>
    public PreparedTexts Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, PrepareOptions? options = null) =>
        Prepare(inputs, options, firstIndex: 0);

    /// <summary>Prepares a chunk of a longer list: errors name inputs by <paramref name="firstIndex"/> + their index here.</summary>
    private PreparedTexts Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, PrepareOptions? options, int firstIndex)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        options ??= new PrepareOptions();
        string promptText = ResolvePrompt(options.PromptName, options.Prompt);
        bool excludePrompt = _loaded.SentenceTransformers?.Pooling is { IncludePrompt: false };
        var prepared = _preparer.Prepare(inputs, promptText, excludePrompt, options.LongInputs, options.TruncationDirection, firstIndex);
        foreach (var input in prepared.Whole) _runner.Validate(input.Encoding, firstIndex + input.Owner);
        return new PreparedTexts(prepared, inputs.Count, options.Normalize ?? Normalize);
    }

    /// <summary>Wraps already tokenized inputs (special tokens included), checked against the model's tables.</summary>
    /// <exception cref="ArgumentException">An input is empty, too long, or holds an id outside the model's tables.</exception>
    public PreparedTexts Prepare(IReadOnlyList<TokenEncoding> encodings, bool? normalize = null)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var prepared = new List<PreparedInput>(encodings.Count);
        for (int i = 0; i < encodings.Count; i++)
        {
            _runner.Validate(encodings[i], i);
            prepared.Add(new PreparedInput(i, encodings[i], PromptTokens: 0));
        }
        return new PreparedTexts(new PreparedInputs(prepared, []), encodings.Count, normalize ?? Normalize);
    }

    /// <summary>
    /// Embeds several prepared groups in one batched pass (inputs of all groups sorted and packed together);
    /// result r holds group r's vectors in input order. Safe to call from several threads.
    /// </summary>
    public float[][][] Embed(IReadOnlyList<PreparedTexts> groups) => Embed(groups, onGroupEmbedded: null);

    /// <summary>
    /// <see cref="Embed(IReadOnlyList{PreparedTexts})"/> that also hands each group's vectors to
    /// <paramref name="onGroupEmbedded"/> (group index, vectors) as soon as the forward passes holding its inputs are
    /// done, on the calling thread: a server can answer a request before the rest of a large merged batch has run.
    /// The callback runs inside the forward loop: it must not call this model (that throws InvalidOperationException).
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from a callback of a running call on this model.</exception>
    public float[][][] Embed(IReadOnlyList<PreparedTexts> groups, Action<int, float[][]>? onGroupEmbedded)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var inputs = new List<PreparedInput>();
        var chunked = new List<ChunkedInput>();
        var normalize = new bool[groups.Sum(g => g.Count)];
        var groupOf = new int[normalize.Length];
        var starts = new int[groups.Count + 1];
        for (int g = 0; g < groups.Count; g++)
        {
            int offset = starts[g];
            foreach (var input in groups[g].Inputs) inputs.Add(input with { Owner = input.Owner + offset });
            foreach (var input in groups[g].Chunked) chunked.Add(input with { Owner = input.Owner + offset });
            normalize.AsSpan(offset, groups[g].Count).Fill(groups[g].Normalize);
            groupOf.AsSpan(offset, groups[g].Count).Fill(g);
            starts[g + 1] = offset + groups[g].Count;
        }
        var remaining = groups.Select(g => g.Count).ToArray();
        float[][] vectors = null!;
        Action<int>? ownerDone = onGroupEmbedded is null ? null : owner =>
        {
            int g = groupOf[owner];
            if (--remaining[g] == 0) onGroupEmbedded(g, vectors[starts[g]..starts[g + 1]]);
        };
        for (int g = 0; g < groups.Count; g++)
            if (remaining[g] == 0) onGroupEmbedded?.Invoke(g, []);
        vectors = new float[normalize.Length][];
        Pool(inputs, chunked, normalize, vectors, ownerDone);
        var results = new float[groups.Count][][];
        for (int g = 0; g < groups.Count; g++) results[g] = vectors[starts[g]..starts[g + 1]];
        return results;
    }

    /// <summary>
    /// Pools every owner's vector into <paramref name="vectors"/>, telling <paramref name="ownerDone"/> each owner
    /// whose vector is final. An owner split into windows gets the mean of its window vectors; its windows are
    /// tokenized and run a few batches at a time, so memory is bounded by the batch, not by the input.
    /// </summary>
    private void Pool(List<PreparedInput> prepared, List<ChunkedInput> chunked, bool[] normalize, float[][] vectors, Action<int>? ownerDone)
    {
        if (_loaded.Encoder.OnDevice)
        {
            _runner.RunHeads(PoolOnDevice(prepared, chunked, normalize, vectors, ownerDone));
            return;
        }
        int h = Dimension;
        var kernels = _loaded.Kernels;
        var pooling = Heads.Pooling.ToTokenPooling(Pooling);
        var windows = new WindowCombiner(kernels, h, prepared, chunked, normalize, vectors, ownerDone, onDevice: false);
        // Runs encoder inputs (per input: its owner, and the leading tokens a mean leaves out) and combines their vectors.
        void Run(IReadOnlyList<TokenEncoding> encodings, Func<int, int> ownerOf, Func<int, int> promptTokens) =>
            _runner.Run(encodings, (index, ids, hidden) =>
            {
                int owner = ownerOf(index);
                int skip = Pooling == PoolingMode.Mean ? Math.Min(promptTokens(index), ids.Length - 1) : 0;
                Span<float> pooled = stackalloc float[h];
                kernels.Pool(hidden[(skip * h)..], ids.Length - skip, h, pooling, windows.Windows(owner) == 1 && normalize[owner], pooled);
                windows.Combine(owner, pooled);
            });

        Run(prepared.Select(p => p.Encoding).ToArray(), index => prepared[index].Owner, index => prepared[index].PromptTokens);
        foreach (var input in chunked)
            foreach (var (group, first) in WindowGroups(input))
                Run(group, _ => input.Owner, index => input.LeadingTokensLeftOut(first + index));
    }

    /// <summary>
    /// The device work of <see cref="Pool"/>: every window pooled on the device (a mean skipping its prompt tokens
    /// too), so only vectors come back, and combined here. Read lazily: a long input's windows are tokenized as the
    /// pipeline asks for them.
    /// </summary>
    private IEnumerable<DeviceWork> PoolOnDevice(List<PreparedInput> prepared, List<ChunkedInput> chunked, bool[] normalize, float[][] vectors,
        Action<int>? ownerDone)
    {
        var windows = new WindowCombiner(_loaded.Kernels, Dimension, prepared, chunked, normalize, vectors, ownerDone, onDevice: true);
        var pooling = Heads.Pooling.ToTokenPooling(Pooling);
        bool normalizeThere = windows.NormalizedWhilePooled && normalize.Length > 0, mean = Pooling == PoolingMode.Mean;
        yield return _runner.PooledWork(prepared.Select(p => p.Encoding).ToArray(), pooling, normalizeThere,
            (index, vector) => windows.Combine(prepared[index].Owner, vector),
            mean && prepared.Any(p => p.PromptTokens > 0) ? index => prepared[index].PromptTokens : null);
        foreach (var input in chunked)
            foreach (var (group, first) in WindowGroups(input))
                yield return _runner.PooledWork(group, pooling, normalizeThere, (_, vector) => windows.Combine(input.Owner, vector),
                    mean && input.PromptTokens > 0 ? index => input.LeadingTokensLeftOut(first + index) : null);
    }

    /// <summary>A chunked input's windows, tokenized a few batches at a time, each group with the number of its first window.</summary>
    private IEnumerable<(TokenEncoding[] Windows, int First)> WindowGroups(ChunkedInput input)
    {
        int first = 0;
        foreach (var group in input.Encode().Chunk(_tokenizeAhead))
        {
            yield return (group, first);
            first += group.Length;
        }
    }

    /// <summary>
    /// Owners' vectors from their windows' pooled vectors: an owner's only window is its vector; several windows of
    /// one long input are averaged unnormalized and normalized after the last. A finished owner is announced at once.
    /// </summary>
    private sealed class WindowCombiner
    {
        private readonly IKernels _kernels;
        private readonly int _h;
        private readonly bool[] _normalize;
        private readonly float[][] _vectors;
        private readonly Action<int>? _ownerDone;
        private readonly int[] _windows;
        private readonly int[] _pending;

        public WindowCombiner(IKernels kernels, int h, List<PreparedInput> prepared, List<ChunkedInput> chunked, bool[] normalize, float[][] vectors,
            Action<int>? ownerDone, bool onDevice)
        {
            (_kernels, _h, _normalize, _vectors, _ownerDone) = (kernels, h, normalize, vectors, ownerDone);
            _windows = new int[normalize.Length];
            foreach (var input in prepared) _windows[input.Owner]++;
            foreach (var input in chunked) _windows[input.Owner] += input.Windows;
            _pending = (int[])_windows.Clone();
            NormalizedWhilePooled = onDevice
                ? normalize.All(n => n) && _windows.All(w => w == 1) // the device normalizes a whole run or none of it
                : true; // the CPU normalizes each single-window owner while pooling
        }

        /// <summary>Whether single-window owners come already normalized where they should be.</summary>
        public bool NormalizedWhilePooled { get; }

        /// <summary>The windows of one owner.</summary>
        public int Windows(int owner) => _windows[owner];

        /// <summary>Takes the pooled vector of one of <paramref name="owner"/>'s windows.</summary>
        public void Combine(int owner, ReadOnlySpan<float> pooled)
        {
            int h = _h;
            var vector = _vectors[owner] ??= new float[h];
            if (_windows[owner] == 1) pooled.CopyTo(vector);
            else for (int c = 0; c < h; c++) vector[c] += pooled[c] / _windows[owner];
            if (--_pending[owner] > 0) return;
            if (_normalize[owner] && (_windows[owner] > 1 || !NormalizedWhilePooled))
                _kernels.Pool(vector, 1, h, TokenPooling.First, normalize: true, vector);
            _ownerDone?.Invoke(owner);
        }
    }
}
