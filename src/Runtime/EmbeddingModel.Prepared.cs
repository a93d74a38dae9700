using EmbedRt.Kernels;
using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt;

/// <summary>Tokenizing and embedding as two steps, so inputs of many callers can share one batched forward pass.</summary>
public sealed partial class EmbeddingModel
{
    /// <summary>Tokenizes texts (with optional pair texts) and applies the prompt and long-input policy. Thread-safe.</summary>
    /// <exception cref="ArgumentException">An unknown prompt name, or an input over the limit under <see cref="LongInputPolicy.Error"/>.</exception>
    public PreparedTexts Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, PrepareOptions? options = null)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        options ??= new PrepareOptions();
        string promptText = ResolvePrompt(options.PromptName, options.Prompt);
        bool excludePrompt = _loaded.SentenceTransformers?.Pooling is { IncludePrompt: false };
        var prepared = _preparer.Prepare(inputs, promptText, excludePrompt, options.LongInputs);
        foreach (var input in prepared) _runner.Validate(input.Encoding, input.Owner);
        return new PreparedTexts(prepared, inputs.Count, options.Normalize ?? Normalize);
    }

    /// <summary>Wraps already tokenized inputs (special tokens included), checked against the model's tables.</summary>
    /// <exception cref="ArgumentException">An input is empty, too long, or holds an id outside the model's tables.</exception>
    public PreparedTexts Prepare(IReadOnlyList<TokenEncoding> encodings, bool? normalize = null)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var prepared = new PreparedInput[encodings.Count];
        for (int i = 0; i < prepared.Length; i++)
        {
            _runner.Validate(encodings[i], i);
            prepared[i] = new PreparedInput(i, encodings[i], PromptTokens: 0);
        }
        return new PreparedTexts(prepared, encodings.Count, normalize ?? Normalize);
    }

    /// <summary>
    /// Embeds several prepared groups in one batched pass (inputs of all groups sorted and packed together);
    /// result r holds group r's vectors in input order. Safe to call from several threads.
    /// </summary>
    public float[][][] Embed(IReadOnlyList<PreparedTexts> groups)
    {
        using var lease = _loaded.Acquire(nameof(EmbeddingModel));
        var inputs = new List<PreparedInput>();
        var normalize = new bool[groups.Sum(g => g.Count)];
        int offset = 0;
        foreach (var group in groups)
        {
            foreach (var input in group.Inputs) inputs.Add(input with { Owner = input.Owner + offset });
            normalize.AsSpan(offset, group.Count).Fill(group.Normalize);
            offset += group.Count;
        }
        var vectors = Pool(inputs, normalize);
        var results = new float[groups.Count][][];
        offset = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            results[g] = vectors[offset..(offset + groups[g].Count)];
            offset += groups[g].Count;
        }
        return results;
    }

    /// <summary>Pools every owner's vector; an owner split into several windows gets the mean of its window vectors.</summary>
    private float[][] Pool(List<PreparedInput> prepared, bool[] normalize)
    {
        int h = Dimension;
        var kernels = _loaded.Kernels;
        var pooling = Heads.Pooling.ToTokenPooling(Pooling);
        var vectors = new float[normalize.Length][];
        var windows = new int[normalize.Length];
        foreach (var input in prepared) windows[input.Owner]++;
        // On a device, inputs that pool over all their tokens are pooled there: only their vectors come back.
        if (_loaded.Encoder.OnDevice && normalize.All(n => n == normalize[0])
            && prepared.All(p => windows[p.Owner] == 1 && (Pooling != PoolingMode.Mean || p.PromptTokens == 0)))
        {
            _runner.RunPooled(prepared.Select(p => p.Encoding).ToArray(), pooling, normalize.Length > 0 && normalize[0],
                (index, vector) => vectors[prepared[index].Owner] = vector.ToArray());
            return vectors;
        }
        _runner.Run(prepared.Select(p => p.Encoding).ToArray(), (index, ids, hidden) =>
        {
            var input = prepared[index];
            int skip = Pooling == PoolingMode.Mean ? Math.Min(input.PromptTokens, ids.Length - 1) : 0;
            var vector = vectors[input.Owner] ??= new float[h];
            if (windows[input.Owner] == 1)
            {
                kernels.Pool(hidden[(skip * h)..], ids.Length - skip, h, pooling, normalize[input.Owner], vector);
                return;
            }
            // Several windows of one long input: the mean of their (unnormalized) vectors, normalized below.
            Span<float> pooled = stackalloc float[h];
            kernels.Pool(hidden[(skip * h)..], ids.Length - skip, h, pooling, false, pooled);
            for (int c = 0; c < h; c++) vector[c] += pooled[c] / windows[input.Owner];
        });
        for (int i = 0; i < vectors.Length; i++)
            if (windows[i] > 1 && normalize[i]) kernels.Pool(vectors[i], 1, h, TokenPooling.First, normalize: true, vectors[i]);
        return vectors;
    }
}
