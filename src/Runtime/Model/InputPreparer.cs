using EmbedRt.Tokenization;

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
internal sealed class InputPreparer(ITextTokenizer tokenizer, int maxLength, LongInputPolicy policy, TruncationDirection direction, bool lowerCase)
{
    /// <summary>
    /// Prepares inputs under the policy and truncation direction given at construction, or the overrides for this
    /// call. The prompt is part of the text, so left truncation cuts it first, as TEI and sentence-transformers do.
    /// </summary>
    public List<PreparedInput> Prepare(IReadOnlyList<(string Text, string? Pair)> inputs, string prompt, bool excludePrompt,
        LongInputPolicy? policyOverride = null, TruncationDirection? directionOverride = null)
    {
        var effective = policyOverride ?? policy;
        var cut = directionOverride ?? direction;
        // sentence-transformers masks the prompt's tokens plus CLS: the prompt's encoding minus its final SEP.
        int promptTokens = excludePrompt && prompt.Length > 0 ? tokenizer.Encode(prompt).Ids.Length - 1 : 0;
        var prepared = new List<PreparedInput>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            var (text, pair) = inputs[i];
            text = prompt + text;
            if (lowerCase)
            {
                text = text.ToLowerInvariant();
                pair = pair?.ToLowerInvariant();
            }
            // One token over the limit tells "too long" apart, and the tokenizer stops there: a huge input is
            // never tokenized whole unless its windows are wanted.
            var encoding = tokenizer.Encode(text, pair, effective == LongInputPolicy.ChunkMean && pair is null ? null : maxLength + 1);
            if (encoding.Ids.Length <= maxLength)
            {
                prepared.Add(new PreparedInput(i, encoding, promptTokens));
                continue;
            }
            switch (effective)
            {
                case LongInputPolicy.Truncate:
                    prepared.Add(new PreparedInput(i, tokenizer.Encode(text, pair, maxLength, cut), promptTokens, Truncated: true));
                    break;
                case LongInputPolicy.Error:
                    throw new InputTooLongException(i, maxLength, $"input {i} has more than the limit of {maxLength} tokens");
                default:
                    if (pair is not null)
                        throw new InputTooLongException(i, maxLength, $"input {i} is a pair of more than the limit of {maxLength} tokens; pairs cannot be chunked");
                    AddWindows(i, encoding, promptTokens, prepared);
                    break;
            }
        }
        return prepared;
    }

    /// <summary>Splits a single-text encoding [first, content…, last] into windows [first, part…, last].</summary>
    private void AddWindows(int owner, TokenEncoding full, int promptTokens, List<PreparedInput> prepared)
    {
        int window = maxLength - 2;
        int first = full.Ids[0], last = full.Ids[^1];
        int contentLength = full.Ids.Length - 2;
        for (int start = 0; start < contentLength; start += window)
        {
            int length = Math.Min(window, contentLength - start);
            var ids = new int[length + 2];
            ids[0] = first;
            full.Ids.AsSpan(1 + start, length).CopyTo(ids.AsSpan(1));
            ids[^1] = last;
            prepared.Add(new PreparedInput(owner, new TokenEncoding(ids, new int[ids.Length]), start == 0 ? promptTokens : 0));
        }
    }
}
