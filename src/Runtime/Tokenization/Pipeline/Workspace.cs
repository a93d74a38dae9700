namespace EmbedRt.Tokenization.Pipeline;

/// <summary>Per-thread scratch lists of one encoding call, kept in the caller's TokenBuffer so calls don't allocate.</summary>
internal sealed class Workspace
{
    /// <summary>Content ids of the first and second text, before truncation and special tokens.</summary>
    public GrowableList<int> FirstIds { get; } = new();
    public GrowableList<int> SecondIds { get; } = new();

    /// <summary>Ids of one piece when a text is encoded from its end (left truncation).</summary>
    public GrowableList<int> PieceIds { get; } = new();

    /// <summary>Raw added tokens found in a text encoded from its end: (start, end, id) triples.</summary>
    public GrowableList<int> AddedTokenMatches { get; } = new();

    /// <summary>
    /// When set, segment models append (ids before, ids after) for every pre-tokenizer split they encode: where
    /// Hugging Face's tokenize_with_limit may stop (see <see cref="PipelineTokenizer"/>).
    /// </summary>
    public GrowableList<int>? Splits { get; set; }

    /// <summary>Records one split's token range when <see cref="Splits"/> is set.</summary>
    public void Split(int start, int end)
    {
        if (Splits is { } splits)
        {
            splits.Add(start);
            splits.Add(end);
        }
    }

    /// <summary>Scratch list for <see cref="Splits"/>.</summary>
    public GrowableList<int> SplitScratch { get; } = new();

    /// <summary>
    /// When set (offsets wanted), <see cref="ISegmentModel.Normalize(ReadOnlySpan{char}, Workspace)"/> fills it with
    /// the segment index each normalized char comes from, and segment models append (start, end) in normalized
    /// chars to <see cref="TokenRanges"/> for every token.
    /// </summary>
    public GrowableList<int>? NormalizedSources { get; set; }

    /// <summary>See <see cref="NormalizedSources"/>.</summary>
    public GrowableList<int>? TokenRanges { get; set; }

    /// <summary>Normalized text of the current segment.</summary>
    public GrowableList<char> Normalized { get; } = new(256);

    /// <summary>Code point scratch for normalization steps.</summary>
    public GrowableList<int> CodePoints { get; } = new(256);
    public GrowableList<int> CodePointsAlt { get; } = new(256);

    /// <summary>Second char scratch for normalizer chains.</summary>
    public GrowableList<char> CharsAlt { get; } = new(256);

    /// <summary>Unigram lattice scratch.</summary>
    public GrowableList<double> PathScores { get; } = new(256);
    public GrowableList<int> PathStarts { get; } = new(256);
    public GrowableList<int> PathIds { get; } = new(256);
}
