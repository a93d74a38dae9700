using EmbedRt.Batching;
using EmbedRt.Tokenization;

namespace EmbedRt.Model;

/// <summary>Receives the last hidden state of one input: <paramref name="hidden"/> is [ids.Length, hidden] row-major.</summary>
internal delegate void SequenceHandler(int inputIndex, ReadOnlySpan<int> ids, ReadOnlySpan<float> hidden);

/// <summary>
/// Runs many inputs through the encoder: validates them, sorts by length, packs padding-free batches under a
/// sequence count and token budget, and hands each input's hidden rows to a handler. One forward pass at a time
/// (the kernels and buffers are shared); buffers are reused between calls.
/// </summary>
internal sealed class EncoderRunner
{
    /// <summary>Upper bound on the tokens of one packed batch (a single longer input still runs alone).</summary>
    private const int TokenBudget = 16384;

    private readonly Encoder _encoder;
    private readonly EncoderWorkspace _workspace;
    private readonly PackedBatch _batch = new();
    private readonly Lock _lock = new();
    private readonly int _batchSize;

    public EncoderRunner(Encoder encoder, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be at least 1, got {batchSize}");
        _encoder = encoder;
        _workspace = new EncoderWorkspace(encoder.Config);
        _batchSize = batchSize;
    }

    public void Run(IReadOnlyList<TokenEncoding> encodings, SequenceHandler handler)
    {
        var lengths = new int[encodings.Count];
        for (int i = 0; i < lengths.Length; i++) lengths[i] = Validate(encodings[i], i);
        var order = LengthBatcher.SortByLength(lengths);
        var batches = LengthBatcher.Split(order, lengths, _batchSize, Math.Max(TokenBudget, _encoder.Config.MaxTokens));
        int h = _encoder.Config.Hidden;
        lock (_lock)
        {
            foreach (var range in batches)
            {
                var members = order.AsSpan(range);
                _batch.Pack(encodings, members);
                _encoder.Forward(_batch, _workspace);
                var offsets = _batch.Offsets;
                for (int s = 0; s < members.Length; s++)
                {
                    int start = offsets[s], length = offsets[s + 1] - start;
                    handler(members[s], _batch.Ids.Slice(start, length), _workspace.Hidden.AsSpan(start * h, length * h));
                }
            }
        }
    }

    private int Validate(TokenEncoding encoding, int index)
    {
        var config = _encoder.Config;
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
}
