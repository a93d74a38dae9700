using EmbedRt.Tokenization.AddedTokens;

namespace EmbedRt.Tokenization.Pipeline;

/// <summary>
/// Hugging Face's encode pipeline: split out added tokens (raw, then in normalized text), run the segment model
/// on the rest, truncate, and apply the post-processor template.
/// </summary>
internal sealed class PipelineTokenizer : ITextTokenizer, ITokenVocabulary
{
    [ThreadStatic] private static TokenBuffer? t_buffer;

    private readonly ISegmentModel _model;
    private readonly AddedTokenMatcher _rawMatcher;
    private readonly AddedTokenMatcher _normalizedMatcher;
    private readonly PostProcessorTemplate _template;
    private readonly Dictionary<string, int> _tokenIds;
    private readonly string?[] _tokens;

    // tokenIds: every token string of the model and its id (for decoding); added tokens are merged in here.
    public PipelineTokenizer(ISegmentModel model, IReadOnlyList<AddedToken> addedTokens, PostProcessorTemplate template,
        int padId, int vocabularySize, IReadOnlyDictionary<string, int> tokenIds)
    {
        _model = model;
        _rawMatcher = new(addedTokens.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        _normalizedMatcher = new(addedTokens.Where(t => t.Normalized).Select(t => (model.Normalize(t.Content), t)));
        _template = template;
        PadId = padId;
        SpecialIds = addedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        VocabularySize = Math.Max(vocabularySize, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
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
        EncodeContent(text, workspace, workspace.FirstIds);
        Truncation.LongestFirst(workspace.FirstIds, null, maxContent);
        _template.Apply(workspace.FirstIds, null, output);
    }

    public void EncodePair(ReadOnlySpan<char> text, ReadOnlySpan<char> pair, TokenBuffer output, int? maxLength = null)
    {
        int maxContent = MaxContent(maxLength, pair: true);
        var workspace = output.Scratch;
        EncodeContent(text, workspace, workspace.FirstIds);
        EncodeContent(pair, workspace, workspace.SecondIds);
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

    private void EncodeContent(ReadOnlySpan<char> text, Workspace workspace, GrowableList<int> ids)
    {
        ids.Clear();
        int position = 0;
        while (_rawMatcher.TryFindNext(text, position, position, out int start, out int end, out int id))
        {
            if (start > position) EncodeSegment(text[position..start], position == 0, workspace, ids);
            ids.Add(id);
            position = end;
        }
        if (position < text.Length) EncodeSegment(text[position..], position == 0, workspace, ids);
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
