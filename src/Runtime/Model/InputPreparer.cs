using EmbedRt.Tokenization;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Model;

/// <summary>One encoder input derived from a user input: the whole input, its truncation, or one window of it.</summary>
/// <param name="Owner">Index of the user input it belongs to.</param>
/// <param name="Encoding">The tokens to run.</param>
/// <param name="PromptTokens">Leading tokens (CLS and the prompt) that mean pooling leaves out when the model says so.</param>
/// <param name="Truncated">Whether the input was cut to the max length (prompt included in the count).</param>
internal readonly record struct PreparedInput(int Owner, TokenEncoding Encoding, int PromptTokens, bool Truncated = false);

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
    // The single-text template's special tokens around the text, repeated around every window.
    private readonly int _specialsBefore, _specialsAfter;

    /// <exception cref="ArgumentOutOfRangeException">Chunk-mean windows of <paramref name="maxLength"/> tokens would hold no text.</exception>
    public InputPreparer(ITextTokenizer tokenizer, int maxLength, LongInputPolicy policy, TruncationDirection direction, bool lowerCase)
    {
        _tokenizer = tokenizer;
        _maxLength = maxLength;
        _policy = policy;
        _direction = direction;
        _lowerCase = lowerCase;
        int specials = tokenizer.SpecialTokenCount(pair: false);
        _specialsBefore = tokenizer is PipelineTokenizer pipeline ? pipeline.SingleSpecialTokensBefore : Math.Min(1, specials);
        _specialsAfter = specials - _specialsBefore;
        CheckWindowRoom(policy);
    }

    /// <summary>A window must hold at least one text token besides the special tokens, or splitting never ends.</summary>
    private void CheckWindowRoom(LongInputPolicy effective)
    {
        if (effective == LongInputPolicy.ChunkMean && _maxLength <= _specialsBefore + _specialsAfter)
            throw new ArgumentOutOfRangeException(nameof(EmbeddingOptions.MaxLength), _maxLength,
                $"max length {_maxLength} leaves no room for text in chunk-mean windows: the tokenizer adds {_specialsBefore + _specialsAfter} special tokens to each");
    }

    /// <summary>
    /// Prepares inputs under the policy and truncation direction given at construction, or the overrides for this
    /// call. The prompt is part of the text, so left truncation cuts it first, as TEI and sentence-transformers do.
    /// </summary>
    public List<PreparedInput> Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, string prompt, bool excludePrompt,
        LongInputPolicy? policyOverride = null, TruncationDirection? directionOverride = null)
    {
        var effective = policyOverride ?? _policy;
        CheckWindowRoom(effective);
        var cut = directionOverride ?? _direction;
        // sentence-transformers masks the prompt's tokens plus CLS: the prompt's encoding minus its final SEP.
        int promptTokens = excludePrompt && prompt.Length > 0 ? _tokenizer.Encode(prompt).Ids.Length - 1 : 0;
        var prepared = new List<PreparedInput>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            var (text, pair) = inputs[i];
            if (text is null) throw new ArgumentNullException(nameof(inputs), $"input {i} is null");
            text = prompt + text;
            if (_lowerCase)
            {
                text = text.ToLowerInvariant();
                pair = pair?.ToLowerInvariant();
            }
            // One token over the limit tells "too long" apart, and the tokenizer stops there: a huge input is
            // never tokenized whole unless its windows are wanted.
            var encoding = _tokenizer.Encode(text, pair, effective == LongInputPolicy.ChunkMean && pair is null ? null : _maxLength + 1);
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
                    throw new InputTooLongException(i, _maxLength, $"input {i} has more than the limit of {_maxLength} tokens");
                default:
                    if (pair is not null)
                        throw new InputTooLongException(i, _maxLength, $"input {i} is a pair of more than the limit of {_maxLength} tokens; pairs cannot be chunked");
                    AddWindows(i, encoding, promptTokens, prepared);
                    break;
            }
        }
        return prepared;
    }

    /// <summary>
    /// Splits a single-text encoding [before…, content…, after…] into windows [before…, part…, after…], where
    /// before/after are the template's special tokens (none, one or several on each side).
    /// </summary>
    private void AddWindows(int owner, TokenEncoding full, int promptTokens, List<PreparedInput> prepared)
    {
        int specials = _specialsBefore + _specialsAfter;
        int window = _maxLength - specials;
        int contentLength = full.Ids.Length - specials;
        // The prompt's tokens (after the leading specials) are left out of the mean in whichever windows hold them,
        // each window's leading specials with them, as the first window does: a prompt longer than a window is not
        // pooled into the later windows.
        int promptContent = Math.Max(0, promptTokens - _specialsBefore);
        for (int start = 0; start < contentLength; start += window)
        {
            int length = Math.Min(window, contentLength - start);
            int promptHere = Math.Clamp(promptContent - start, 0, length);
            int skip = start == 0 ? promptTokens : promptHere > 0 ? _specialsBefore + promptHere : 0;
            prepared.Add(new PreparedInput(owner, new TokenEncoding(Window(full.Ids, start, length), Window(full.TypeIds, start, length)), skip));
        }
    }

    private int[] Window(int[] full, int start, int length)
    {
        var window = new int[_specialsBefore + length + _specialsAfter];
        full.AsSpan(0, _specialsBefore).CopyTo(window);
        full.AsSpan(_specialsBefore + start, length).CopyTo(window.AsSpan(_specialsBefore));
        full.AsSpan(full.Length - _specialsAfter).CopyTo(window.AsSpan(_specialsBefore + length));
        return window;
    }
}
