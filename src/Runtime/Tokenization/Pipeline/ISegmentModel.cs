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

    /// <summary>
    /// The first index at or after <paramref name="from"/> where the raw segment can be cut so that normalizing
    /// and encoding both parts gives the ids of the whole, or the segment's length if there is none. Lets a
    /// truncated encoding stop once it has enough tokens instead of tokenizing a huge text whole.
    /// </summary>
    int CutPoint(ReadOnlySpan<char> segment, int from);

    /// <summary>The decoder Hugging Face pairs with this model: token strings back to text.</summary>
    string Decode(IReadOnlyList<string> tokens);
}
