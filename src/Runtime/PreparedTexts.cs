using EmbedRt.Model;
using EmbedRt.Tokenization;

namespace EmbedRt;

/// <summary>Options of <see cref="EmbeddingModel.Prepare(IReadOnlyList{ValueTuple{string, string}}, PrepareOptions?)"/>.</summary>
public sealed record PrepareOptions
{
    /// <summary>A prompt defined by the model folder, by name; null means the folder's default prompt, if any.</summary>
    public string? PromptName { get; init; }

    /// <summary>A literal prompt put before every text; takes precedence over <see cref="PromptName"/>.</summary>
    public string? Prompt { get; init; }

    /// <summary>The long-input policy for these inputs; null means the one the model was loaded with.</summary>
    public LongInputPolicy? LongInputs { get; init; }

    /// <summary>Which end truncation cuts for these inputs; null means the one the model was loaded with.</summary>
    public TruncationDirection? TruncationDirection { get; init; }

    /// <summary>L2-normalize these inputs' vectors; null means <see cref="EmbeddingModel.Normalize"/>.</summary>
    public bool? Normalize { get; init; }
}

/// <summary>
/// Inputs tokenized for the encoder (prompt, truncation or windows applied) and validated against the model, ready for
/// <see cref="EmbeddingModel.Embed(IReadOnlyList{PreparedTexts})"/>. Tokenizing apart from the forward pass lets a
/// server tokenize on request threads and run many requests' inputs through one batched pass.
/// </summary>
public sealed class PreparedTexts
{
    internal PreparedTexts(PreparedInputs inputs, int count, bool normalize)
    {
        Inputs = inputs.Whole;
        Chunked = inputs.Chunked;
        Count = count;
        Normalize = normalize;
        TokenCount = checked((int)inputs.TokenCount);
        TruncatedInputs = inputs.Whole.Where(input => input.Truncated).Select(input => input.Owner).ToArray();
    }

    /// <summary>Inputs that run as they are (whole or truncated).</summary>
    internal IReadOnlyList<PreparedInput> Inputs { get; }

    /// <summary>Inputs split into windows by the chunk-mean policy, tokenized again when they run.</summary>
    internal IReadOnlyList<ChunkedInput> Chunked { get; }

    /// <summary>Number of inputs (vectors this yields).</summary>
    public int Count { get; }

    /// <summary>Whether the vectors are L2-normalized.</summary>
    public bool Normalize { get; }

    /// <summary>Tokens the encoder runs for these inputs, special tokens and prompts included.</summary>
    public int TokenCount { get; }

    /// <summary>Indices of the inputs the truncate policy cut to <see cref="EmbeddingModel.MaxLength"/> tokens.</summary>
    public IReadOnlyList<int> TruncatedInputs { get; }

    /// <summary>The encoder inputs in order: one per input, or one per window of an input split by the chunk-mean policy.</summary>
    public IEnumerable<TokenEncoding> Encodings
    {
        get
        {
            int next = 0;
            foreach (var input in Inputs)
            {
                for (; next < Chunked.Count && Chunked[next].Owner < input.Owner; next++)
                    foreach (var window in Chunked[next].Encode()) yield return window;
                yield return input.Encoding;
            }
            for (; next < Chunked.Count; next++)
                foreach (var window in Chunked[next].Encode()) yield return window;
        }
    }
}
