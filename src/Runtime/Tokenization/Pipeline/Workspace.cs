namespace EmbedRt.Tokenization.Pipeline;

/// <summary>Per-thread scratch lists of one encoding call, kept in the caller's TokenBuffer so calls don't allocate.</summary>
internal sealed class Workspace
{
    /// <summary>Content ids of the first and second text, before truncation and special tokens.</summary>
    public GrowableList<int> FirstIds { get; } = new();
    public GrowableList<int> SecondIds { get; } = new();

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
