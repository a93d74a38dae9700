using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Loading;

namespace EmbedRt.Tokenization.Pipeline;

/// <summary>
/// Hugging Face's encode pipeline: split out added tokens (raw, then in normalized text), run the segment model
/// on the rest, truncate, and apply the post-processor template.
/// </summary>
internal sealed class PipelineTokenizer : ITextTokenizer, ITokenVocabulary
{
    /// <summary>
    /// Long text is tokenized in pieces of about this many chars (the normalized copy and the model's scratch stay
    /// that small), stopping early once a limit is reached.
    /// </summary>
    private static int PieceChars => t_pieceCharsForTests > 0 ? t_pieceCharsForTests : 1 << 14;

    /// <summary>Tests set tiny pieces on their own thread so that cuts land everywhere.</summary>
    [ThreadStatic] internal static int t_pieceCharsForTests;

    [ThreadStatic] private static TokenBuffer? t_buffer;

    private readonly ISegmentModel _model;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly PostProcessorTemplate _template;
    private readonly bool _cuttable;
    private readonly Dictionary<string, int> _tokenIds;
    private readonly string?[] _tokens;

    /// <summary>
    /// A tokenizer from a loader's parts; <paramref name="ids"/> is what <see cref="TokenIdAudit"/> found the
    /// loader's ids to be (none negative; the largest with its origin); <paramref name="tokenIds"/> is every token
    /// string of the model and its id (for decoding; added tokens are merged in here).
    /// </summary>
    public PipelineTokenizer(ISegmentModel model, IReadOnlyList<AddedToken> addedTokens, PostProcessorTemplate template,
        int padId, TokenIdRange ids, IReadOnlyDictionary<string, int> tokenIds)
    {
        _model = model;
        _rawMatcher = new(addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedMatcher = new(addedTokens.Where(t => t.Normalized).Select(t => (model.Normalize(t.Content), t)));
        _template = template;
        // A "normalized" added token holding whitespace could span a cut point: then texts are never cut.
        _cuttable = addedTokens.Where(t => t.Normalized).All(t => !model.Normalize(t.Content).Any(char.IsWhiteSpace));
        PadId = padId;
        SpecialIds = addedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        Ids = ids;
        VocabularySize = ids.LargestId.Id + 1;
        _tokenIds = new Dictionary<string, int>(tokenIds, StringComparer.Ordinal);
        foreach (var token in addedTokens) _tokenIds[token.Content] = token.Id;
        _tokens = new string?[Math.Max(VocabularySize, _tokenIds.Count == 0 ? 0 : _tokenIds.Values.Max() + 1)];
        foreach (var (token, id) in _tokenIds)
            if (id >= 0) _tokens[id] = token;
    }

    public string? TokenOf(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public bool TryGetId(string token, out int id) => _tokenIds.TryGetValue(token, out id);

    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (int id in ids)
        {
            var token = TokenOf(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, "no token has this id");
            if (!skipSpecialTokens || !SpecialIds.Contains(id)) tokens.Add(token);
        }
        return _model.Decode(tokens);
    }

    /// <summary>The largest token id and type id this tokenizer can emit, and the file entries they come from.</summary>
    public TokenIdRange Ids { get; }

    public int PadId { get; }

    public IReadOnlySet<int> SpecialIds { get; }

    public int VocabularySize { get; }

    public int SpecialTokenCount(bool pair) => _template.SpecialTokenCount(pair);

    public TokenEncoding Encode(string text, string? pair = null, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = t_buffer ??= new TokenBuffer();
        if (pair is null) Encode(text, buffer, maxLength);
        else EncodePair(text, pair, buffer, maxLength);
        return buffer.ToEncoding();
    }

    public void Encode(ReadOnlySpan<char> text, TokenBuffer output, int? maxLength = null)
    {
        int maxContent = MaxContent(maxLength, pair: false);
        var workspace = output.Scratch;
        EncodeContent(text, workspace, workspace.FirstIds, stopAt: maxContent);
        Truncation.LongestFirst(workspace.FirstIds, null, maxContent);
        _template.Apply(workspace.FirstIds, null, output);
    }

    public void EncodePair(ReadOnlySpan<char> text, ReadOnlySpan<char> pair, TokenBuffer output, int? maxLength = null)
    {
        int maxContent = MaxContent(maxLength, pair: true);
        var workspace = output.Scratch;
        // Each side may stop one token past the limit. If only one gets there, longest_first cuts it to what the
        // other leaves, whatever its full length; if both do, each keeps half, and only an odd limit needs to
        // know which is longer (it gets the odd token): then both are tokenized whole.
        int stopAt = maxContent == int.MaxValue ? int.MaxValue : maxContent + 1;
        EncodeContent(text, workspace, workspace.FirstIds, stopAt);
        EncodeContent(pair, workspace, workspace.SecondIds, stopAt);
        if (workspace.FirstIds.Count >= stopAt && workspace.SecondIds.Count >= stopAt && maxContent % 2 == 1)
        {
            EncodeContent(text, workspace, workspace.FirstIds, int.MaxValue);
            EncodeContent(pair, workspace, workspace.SecondIds, int.MaxValue);
        }
        Truncation.LongestFirst(workspace.FirstIds, workspace.SecondIds, maxContent);
        _template.Apply(workspace.FirstIds, workspace.SecondIds, output);
    }

    private int MaxContent(int? maxLength, bool pair)
    {
        if (maxLength is not { } max) return int.MaxValue;
        int special = _template.SpecialTokenCount(pair);
        if (max < special)
            throw new ArgumentOutOfRangeException(nameof(maxLength), max, $"must be at least the {special} special tokens of {(pair ? "a pair" : "a single text")}");
        return max - special;
    }

    /// <summary>Content ids of a text; with a finite <paramref name="stopAt"/>, a prefix of them holding at least that many.</summary>
    private void EncodeContent(ReadOnlySpan<char> text, Workspace workspace, GrowableList<int> ids, int stopAt)
    {
        ids.Clear();
        int position = 0;
        while (ids.Count < stopAt && _rawMatcher.TryFindNext(text, position, position, out int start, out int end, out int id))
        {
            if (start > position) EncodePieces(text[position..start], position == 0, workspace, ids, stopAt);
            ids.Add(id);
            position = end;
        }
        if (position < text.Length && ids.Count < stopAt) EncodePieces(text[position..], position == 0, workspace, ids, stopAt);
    }

    /// <summary>
    /// Encodes a segment between added tokens whole, or, when it is long, piece by piece at the segment model's
    /// cut points until the limit (if any) is reached: the ids are those of the whole.
    /// </summary>
    private void EncodePieces(ReadOnlySpan<char> segment, bool atTextStart, Workspace workspace, GrowableList<int> ids, int stopAt)
    {
        if (!_cuttable || segment.Length <= PieceChars)
        {
            EncodeSegment(segment, atTextStart, workspace, ids);
            return;
        }
        for (int start = 0; start < segment.Length && ids.Count < stopAt;)
        {
            int end = segment.Length - start <= PieceChars ? segment.Length : _model.CutPoint(segment, start + PieceChars);
            EncodeSegment(segment[start..end], atTextStart && start == 0, workspace, ids);
            start = end;
        }
    }

    private void EncodeSegment(ReadOnlySpan<char> segment, bool atTextStart, Workspace workspace, GrowableList<int> ids)
    {
        var normalized = _model.Normalize(segment, workspace);
        if (_normalizedMatcher.IsEmpty)
        {
            _model.Encode(normalized, atTextStart, workspace, ids);
            return;
        }
        int position = 0;
        while (_normalizedMatcher.TryFindNext(normalized, position, position, out int start, out int end, out int id))
        {
            if (start > position) _model.Encode(normalized[position..start], atTextStart && position == 0, workspace, ids);
            ids.Add(id);
            position = end;
        }
        if (position < normalized.Length) _model.Encode(normalized[position..], atTextStart && position == 0, workspace, ids);
    }
}
