namespace EmbedRt.Tokenization.Pipeline;

/// <summary>
/// Normalizer + pre-tokenizer + model for the text between added tokens. Split in two so that added tokens
/// flagged "normalized" can be searched in the normalized text.
/// </summary>
internal interface ISegmentModel
{
    /// <summary>Normalizes <paramref name="segment"/> into <see cref="Workspace.Normalized"/> and returns it.</summary>
    ReadOnlySpan<char> Normalize(ReadOnlySpan<char> segment, Workspace workspace);

    /// <summary>Normalizes a standalone string (used to derive the search text of "normalized" added tokens).</summary>
    string Normalize(string text);

    /// <summary>
    /// Pre-tokenizes and encodes normalized text, appending ids. <paramref name="atTextStart"/> tells whether the
    /// piece starts the original text (Metaspace's prepend_scheme "first").
    /// </summary>
    void Encode(ReadOnlySpan<char> normalized, bool atTextStart, Workspace workspace, GrowableList<int> ids);

    /// <summary>The decoder Hugging Face pairs with this model: token strings back to text.</summary>
    string Decode(IReadOnlyList<string> tokens);
}
