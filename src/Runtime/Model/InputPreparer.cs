using EmbedRt.Tokenization;

namespace EmbedRt.Model;

/// <summary>One encoder input derived from a user input: the whole input, its truncation, or one window of it.</summary>
/// <param name="Owner">Index of the user input it belongs to.</param>
/// <param name="Encoding">The tokens to run.</param>
/// <param name="PromptTokens">Leading tokens (CLS and the prompt) that mean pooling leaves out when the model says so.</param>
/// <param name="Truncated">Whether the input was cut to the max length (prompt included in the count).</param>
internal readonly record struct PreparedInput(int Owner, TokenEncoding Encoding, int PromptTokens, bool Truncated = false);

/// <summary>
/// A user input over the limit that the chunk-mean policy splits into windows. Its windows are tokenized again,
/// lazily, when they run, so a huge input never has its ids or windows in memory at once.
/// </summary>
/// <param name="Owner">Index of the user input.</param>
/// <param name="PromptTokens">Leading tokens of the first window that mean pooling leaves out when the model says so.</param>
/// <param name="Windows">Number of windows.</param>
/// <param name="Tokens">Tokens of all windows, special tokens included.</param>
/// <param name="Encode">The windows in order, tokenized as they are enumerated.</param>
internal sealed record ChunkedInput(int Owner, int PromptTokens, int Windows, long Tokens, Func<IEnumerable<TokenEncoding>> Encode)
{
    /// <summary>Text tokens of a full window (every window but the last is full).</summary>
    public int WindowText { get; init; }

    /// <summary>Special tokens before the text in each window.</summary>
    public int SpecialsBefore { get; init; }

    /// <summary>
    /// Leading tokens of window <paramref name="window"/> a mean leaves out: the prompt's tokens wherever they fall,
    /// with that window's leading special tokens, as sentence-transformers leaves out CLS and the prompt; a prompt
    /// longer than a window is left out of every window that holds part of it. (The pooling clamps it to the window.)
    /// </summary>
    public int LeadingTokensLeftOut(int window)
    {
        if (window == 0) return PromptTokens;
        int promptHere = Math.Clamp(PromptTokens - SpecialsBefore - window * WindowText, 0, WindowText);
        return promptHere > 0 ? SpecialsBefore + promptHere : 0;
    }
}

/// <summary>What <see cref="InputPreparer.Prepare"/> makes of user inputs: encoder inputs, and inputs split into windows.</summary>
internal sealed record PreparedInputs(List<PreparedInput> Whole, List<ChunkedInput> Chunked)
{
    /// <summary>Tokens the encoder runs for all of them.</summary>
    public long TokenCount => Whole.Sum(input => (long)input.Encoding.Ids.Length) + Chunked.Sum(input => input.Tokens);
}

/// <summary>
/// Turns texts into encoder inputs: prepends the prompt, tokenizes, and applies the long-input policy
/// (truncate at either end, refuse, or split into windows that are averaged afterwards). Lower-cases first when
/// sentence_bert_config.json says do_lower_case, as sentence-transformers' Transformer module does.
/// </summary>
internal sealed class InputPreparer
{
    private readonly ITextTokenizer _tokenizer;
    private readonly int _maxLength;
    private readonly LongInputPolicy _policy;
    private readonly TruncationDirection _direction;
    private readonly bool _lowerCase;
    // The single-text template's special tokens, repeated in every chunk-mean window.
    private readonly int _specials;

    /// <exception cref="ArgumentOutOfRangeException">Chunk-mean windows of <paramref name="maxLength"/> tokens would hold no text.</exception>
    public InputPreparer(ITextTokenizer tokenizer, int maxLength, LongInputPolicy policy, TruncationDirection direction, bool lowerCase)
    {
        _tokenizer = tokenizer;
        _maxLength = maxLength;
        _policy = policy;
        _direction = direction;
        _lowerCase = lowerCase;
        _specials = tokenizer.SpecialTokenCount(pair: false);
        CheckWindowRoom(policy);
    }

    /// <summary>A window must hold at least one text token besides the special tokens, or splitting never ends.</summary>
    private void CheckWindowRoom(LongInputPolicy effective)
    {
        if (effective == LongInputPolicy.ChunkMean && _maxLength <= _specials)
            throw new ArgumentOutOfRangeException(nameof(EmbeddingOptions.MaxLength), _maxLength,
                $"max length {_maxLength} leaves no room for text in chunk-mean windows: the tokenizer adds {_specials} special tokens to each");
    }

    /// <summary>
    /// Prepares inputs under the policy and truncation direction given at construction, or the overrides for this
    /// call. The prompt is part of the text, so left truncation cuts it first, as TEI and sentence-transformers do.
    /// Errors name input i as <paramref name="firstIndex"/> + i (its index in the caller's whole list, when these
    /// inputs are a chunk of it); owners stay indices into <paramref name="inputs"/>.
    /// </summary>
    public PreparedInputs Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, string prompt, bool excludePrompt,
        LongInputPolicy? policyOverride = null, TruncationDirection? directionOverride = null, int firstIndex = 0)
    {
        var effective = policyOverride ?? _policy;
        CheckWindowRoom(effective);
        var cut = directionOverride ?? _direction;
        // sentence-transformers masks the prompt's tokens plus CLS: the prompt's encoding minus its final SEP.
        int promptTokens = excludePrompt && prompt.Length > 0 ? _tokenizer.Encode(prompt).Ids.Length - 1 : 0;
        var prepared = new List<PreparedInput>(inputs.Count);
        var chunked = new List<ChunkedInput>();
        for (int i = 0; i < inputs.Count; i++)
        {
            var (text, pair) = inputs[i];
            if (text is null) throw new ArgumentNullException(nameof(inputs), $"input {firstIndex + i} is null");
            text = prompt + text;
            if (_lowerCase)
            {
                text = text.ToLowerInvariant();
                pair = pair?.ToLowerInvariant();
            }
            // One token over the limit tells "too long" apart, and the tokenizer stops there: a huge input is
            // never tokenized whole here.
            var encoding = _tokenizer.Encode(text, pair, _maxLength + 1);
            if (encoding.Ids.Length <= _maxLength)
            {
                prepared.Add(new PreparedInput(i, encoding, promptTokens));
                continue;
            }
            switch (effective)
            {
                case LongInputPolicy.Truncate:
                    prepared.Add(new PreparedInput(i, _tokenizer.Encode(text, pair, _maxLength, cut), promptTokens, Truncated: true));
                    break;
                case LongInputPolicy.Error:
                    throw new InputTooLongException(firstIndex + i, _maxLength, $"input {firstIndex + i} has more than the limit of {_maxLength} tokens");
                default:
                    if (pair is not null)
                        throw new InputTooLongException(firstIndex + i, _maxLength, $"input {firstIndex + i} is a pair of more than the limit of {_maxLength} tokens; pairs cannot be chunked");
                    chunked.Add(Chunk(i, text, promptTokens));
                    break;
            }
        }
        return new PreparedInputs(prepared, chunked);
    }

    /// <summary>
    /// A long text's windows [specials, part…, specials] of at most the max length, counted now (tokenizing as it
    /// goes, keeping nothing) and tokenized again when they run.
    /// </summary>
    private ChunkedInput Chunk(int owner, string text, int promptTokens)
    {
        var windowed = _tokenizer as IWindowedTokenizer
            ?? throw new NotSupportedException($"the chunk-mean policy needs EmbedRt's own tokenizer, not {_tokenizer.GetType().Name}");
        var (windows, tokens) = windowed.CountWindows(text, _maxLength);
        return new ChunkedInput(owner, promptTokens, windows, tokens, () => windowed.EncodeWindows(text, _maxLength))
        {
            WindowText = _maxLength - _specials,
            SpecialsBefore = windowed.SpecialTokensBeforeText,
        };
    }
}
