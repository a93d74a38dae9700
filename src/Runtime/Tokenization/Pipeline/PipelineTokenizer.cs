using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Loading;

namespace EmbedRt.Tokenization.Pipeline;

/// <summary>
/// Hugging Face's encode pipeline: split out added tokens (raw, then in normalized text), run the segment model
/// on the rest, truncate, and apply the post-processor template.
/// </summary>
internal sealed class PipelineTokenizer : ITextTokenizer, ITokenVocabulary, ITokenOffsets, IWindowedTokenizer
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

    /// <inheritdoc />
    public int SpecialTokensBeforeText => _template.SingleSpecialTokensBefore;

    public TokenEncoding Encode(string text, string? pair = null, int? maxLength = null, TruncationDirection direction = TruncationDirection.Right)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = t_buffer ??= new TokenBuffer();
        if (pair is null) Encode(text, buffer, maxLength, direction);
        else EncodePair(text, pair, buffer, maxLength, direction);
        return buffer.ToEncoding();
    }

    public void Encode(ReadOnlySpan<char> text, TokenBuffer output, int? maxLength = null, TruncationDirection direction = TruncationDirection.Right)
    {
        int maxContent = MaxContent(maxLength, pair: false);
        var workspace = output.Scratch;
        EncodeContent(text, workspace, workspace.FirstIds, stopAt: maxContent, direction);
        Truncation.LongestFirst(workspace.FirstIds, null, maxContent, direction);
        _template.Apply(workspace.FirstIds, null, output);
    }

    public void EncodePair(ReadOnlySpan<char> text, ReadOnlySpan<char> pair, TokenBuffer output, int? maxLength = null,
        TruncationDirection direction = TruncationDirection.Right)
    {
        int maxContent = MaxContent(maxLength, pair: true);
        var workspace = output.Scratch;
        // Each side may stop one token past the limit. If only one gets there, longest_first cuts it to what the
        // other leaves, whatever its full length; if both do, each keeps half, and only an odd limit needs to
        // know which is longer (it gets the odd token): then both are tokenized whole, and "longer" is measured
        // as Hugging Face (0.23) measures it.
        int stopAt = maxContent == int.MaxValue ? int.MaxValue : maxContent + 1;
        EncodeContent(text, workspace, workspace.FirstIds, stopAt, direction);
        EncodeContent(pair, workspace, workspace.SecondIds, stopAt, direction);
        if (workspace.FirstIds.Count >= stopAt && workspace.SecondIds.Count >= stopAt && maxContent % 2 == 1)
        {
            int firstLength = LimitedLength(text, workspace, workspace.FirstIds, maxLength!.Value, direction);
            int secondLength = LimitedLength(pair, workspace, workspace.SecondIds, maxLength.Value, direction);
            Truncation.LongestFirst(workspace.FirstIds, workspace.SecondIds, maxContent, direction, firstLength, secondLength);
        }
        else Truncation.LongestFirst(workspace.FirstIds, workspace.SecondIds, maxContent, direction);
        _template.Apply(workspace.FirstIds, workspace.SecondIds, output);
    }

    /// <summary>
    /// Encodes a text whole into <paramref name="ids"/> and returns the length Hugging Face's longest_first
    /// compares: its tokenize_with_limit stops each text at the first pre-tokenizer split (from the end when
    /// truncating left) where the count reaches the whole max length, special tokens' room included; splits
    /// of added tokens are counted but never stop it.
    /// </summary>
    private int LimitedLength(ReadOnlySpan<char> text, Workspace workspace, GrowableList<int> ids, int maxLength, TruncationDirection direction)
    {
        var splits = workspace.SplitScratch;
        splits.Clear();
        workspace.Splits = splits;
        try
        {
            EncodeContent(text, workspace, ids, int.MaxValue, direction);
        }
        finally
        {
            workspace.Splits = null;
        }
        var ranges = splits.Span;
        int total = ids.Count;
        if (direction == TruncationDirection.Right)
        {
            for (int i = 1; i < ranges.Length; i += 2)
                if (ranges[i] >= maxLength) return ranges[i];
        }
        else
        {
            for (int i = ranges.Length - 2; i >= 0; i -= 2)
                if (total - ranges[i] >= maxLength) return total - ranges[i];
        }
        return total;
    }

    private int MaxContent(int? maxLength, bool pair)
    {
        if (maxLength is not { } max) return int.MaxValue;
        int special = _template.SpecialTokenCount(pair);
        if (max < special)
            throw new ArgumentOutOfRangeException(nameof(maxLength), max, $"must be at least the {special} special tokens of {(pair ? "a pair" : "a single text")}");
        return max - special;
    }

    /// <summary>
    /// Content ids of a text; with a finite <paramref name="stopAt"/>, a part of them holding at least that many:
    /// a prefix when truncating on the right, a suffix when truncating on the left.
    /// </summary>
    private void EncodeContent(ReadOnlySpan<char> text, Workspace workspace, GrowableList<int> ids, int stopAt, TruncationDirection direction)
    {
        if (direction == TruncationDirection.Left && stopAt != int.MaxValue)
        {
            EncodeContentFromEnd(text, workspace, ids, stopAt);
            return;
        }
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
    /// <remarks>Callers stop before the limit, so a segment short enough for one piece is always encoded.</remarks>
    private void EncodePieces(ReadOnlySpan<char> segment, bool atTextStart, Workspace workspace, GrowableList<int> ids, int stopAt)
    {
        for (int start = 0; start < segment.Length && ids.Count < stopAt;)
        {
            int end = PieceEnd(segment, start);
            EncodeSegment(segment[start..end], atTextStart && start == 0, workspace, ids);
            start = end;
        }
    }

    public IEnumerable<TokenEncoding> EncodeWindows(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        int window = WindowContent(maxLength);
        return Windows(text, window);
    }

    public (int Windows, long Tokens) CountWindows(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        int window = WindowContent(maxLength);
        var ids = new GrowableList<int>();
        long content = 0;
        foreach (var _ in ContentPieces(text, new Workspace(), ids))
        {
            content += ids.Count;
            ids.Clear();
        }
        int windows = checked((int)((content + window - 1) / window));
        return (windows, content + (long)windows * _template.SpecialTokenCount(isPair: false));
    }

    private int WindowContent(int maxLength)
    {
        int window = MaxContent(maxLength, pair: false);
        return window >= 1 ? window
            : throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "must leave room for a content token besides the special tokens");
    }

    private IEnumerable<TokenEncoding> Windows(string text, int window)
    {
        var output = new TokenBuffer();
        var workspace = output.Scratch;
        var ids = workspace.FirstIds;
        ids.Clear();
        foreach (var _ in ContentPieces(text, workspace, ids))
        {
            int taken = 0;
            for (; ids.Count - taken >= window; taken += window) yield return Window(ids.Span.Slice(taken, window), output);
            ids.RemoveFirst(taken);
        }
        if (ids.Count > 0) yield return Window(ids.Span, output);
    }

    /// <summary>Content ids wrapped in the single-text template, as a new encoding.</summary>
    private TokenEncoding Window(ReadOnlySpan<int> content, TokenBuffer output)
    {
        var part = output.Scratch.SecondIds;
        part.Clear();
        part.AddRange(content);
        _template.Apply(part, null, output);
        return output.ToEncoding();
    }

    /// <summary>
    /// <see cref="EncodeContent"/> without a limit, as a sequence: appends a text's content ids to
    /// <paramref name="ids"/> one piece (or added token) at a time, yielding after each, so a consumer can take ids
    /// off the front as they come. Pieces are cut exactly as <see cref="EncodePieces"/> cuts them.
    /// </summary>
    private IEnumerable<int> ContentPieces(string text, Workspace workspace, GrowableList<int> ids)
    {
        for (int position = 0; ;)
        {
            bool found = _rawMatcher.TryFindNext(text, position, position, out int start, out int end, out int id);
            int segmentEnd = found ? start : text.Length;
            for (int piece = position; piece < segmentEnd;)
            {
                int pieceEnd = PieceEnd(text.AsSpan(position, segmentEnd - position), piece - position) + position;
                EncodeSegment(text.AsSpan(piece, pieceEnd - piece), piece == 0, workspace, ids);
                yield return piece;
                piece = pieceEnd;
            }
            if (!found) yield break;
            ids.Add(id);
            yield return start;
            position = end;
        }
    }

    /// <summary>
    /// Where the piece of <paramref name="segment"/> starting at <paramref name="start"/> ends: the segment's end when
    /// the rest fits one piece or the text may not be cut, else the segment model's first cut point a piece on.
    /// </summary>
    private int PieceEnd(ReadOnlySpan<char> segment, int start) =>
        !_cuttable || segment.Length - start <= PieceChars ? segment.Length : _model.CutPoint(segment, start + PieceChars);

    /// <summary>
    /// A suffix of a text's content ids holding at least <paramref name="stopAt"/> (or all of them): added tokens
    /// are found from the start as always (only their positions are kept), then the segments between them are
    /// encoded from the last one backwards, long ones piece by piece from their end. Ids go in reversed and the
    /// list is turned around at the end.
    /// </summary>
    private void EncodeContentFromEnd(ReadOnlySpan<char> text, Workspace workspace, GrowableList<int> ids, int stopAt)
    {
        ids.Clear();
        var matches = workspace.AddedTokenMatches;
        matches.Clear();
        int position = 0;
        while (_rawMatcher.TryFindNext(text, position, position, out int start, out int end, out int id))
        {
            matches.Add(start);
            matches.Add(end);
            matches.Add(id);
            position = end;
        }
        int segmentEnd = text.Length;
        for (int m = matches.Count - 3; ; m -= 3)
        {
            int segmentStart = m >= 0 ? matches.Span[m + 1] : 0;
            if (segmentEnd > segmentStart) EncodePiecesFromEnd(text[segmentStart..segmentEnd], segmentStart == 0, workspace, ids, stopAt);
            if (m < 0 || ids.Count >= stopAt) break;
            ids.Add(matches.Span[m + 2]);
            segmentEnd = matches.Span[m];
        }
        ids.Span.Reverse();
    }

    /// <summary>
    /// Appends a segment's ids reversed, encoding it from its end in pieces of about <see cref="PieceChars"/>
    /// cut at the segment model's cut points, until <paramref name="stopAt"/> ids are there. Where the tail has no
    /// cut point the search widens backwards, one piece length at a time, scanning each char once.
    /// </summary>
    private void EncodePiecesFromEnd(ReadOnlySpan<char> segment, bool atTextStart, Workspace workspace, GrowableList<int> ids, int stopAt)
    {
        var piece = workspace.PieceIds;
        for (int end = segment.Length; end > 0 && ids.Count < stopAt;)
        {
            int start = 0;
            if (_cuttable)
            {
                for (int limit = end, from = end - PieceChars; from > 0; limit = from, from -= PieceChars)
                {
                    int cut = _model.CutPoint(segment[..limit], from);
                    if (cut < limit)
                    {
                        start = cut;
                        break;
                    }
                }
            }
            piece.Clear();
            EncodeSegment(segment[start..end], atTextStart && start == 0, workspace, piece);
            for (int i = piece.Count - 1; i >= 0; i--) ids.Add(piece.Span[i]);
            end = start;
        }
    }

    public IReadOnlyList<TokenOffset> EncodeWithOffsets(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var workspace = new Workspace { NormalizedSources = new GrowableList<int>(), TokenRanges = new GrowableList<int>() };
        var ids = new GrowableList<int>();
        var spans = new List<(int Start, int End)>();
        int position = 0;
        while (_rawMatcher.TryFindNext(text, position, position, out int start, out int end, out int id))
        {
            if (start > position) EncodeSegmentWithOffsets(text, position, start, workspace, ids, spans);
            ids.Add(id);
            spans.Add((start, end));
            position = end;
        }
        if (position < text.Length) EncodeSegmentWithOffsets(text, position, text.Length, workspace, ids, spans);

        var tokens = spans.Select((span, i) => new TokenOffset(ids.Span[i], span.Start, span.End, Special: false)).ToList();
        if (!addSpecialTokens) return tokens;
        var buffer = new TokenBuffer();
        _template.Apply(ids, null, buffer);
        int before = _template.SingleSpecialTokensBefore;
        var result = new List<TokenOffset>(buffer.Count);
        for (int i = 0; i < buffer.Count; i++)
            result.Add(i >= before && i < before + tokens.Count ? tokens[i - before] : new TokenOffset(buffer.Ids[i], 0, 0, Special: true));
        return result;
    }

    /// <summary>
    /// <see cref="EncodeSegment"/> for text[start..end] with spans: each token's normalized chars are mapped back
    /// to the text through the normalizer's sources (a token of no chars, Metaspace's prepended one, takes the
    /// span of the char it stands before).
    /// </summary>
    private void EncodeSegmentWithOffsets(string text, int segmentStart, int segmentEnd, Workspace workspace, GrowableList<int> ids,
        List<(int Start, int End)> spans)
    {
        var segment = text.AsSpan(segmentStart, segmentEnd - segmentStart);
        var normalized = _model.Normalize(segment, workspace).ToArray();
        var sources = workspace.NormalizedSources!.Span.ToArray();
        var ranges = workspace.TokenRanges!;
        (int, int) Span(int from, int to)
        {
            if (to <= from) to = (from = Math.Min(from, sources.Length - 1)) + 1;
            int start = int.MaxValue, end = 0;
            for (int k = from; k < to; k++)
            {
                int source = segmentStart + sources[k];
                start = Math.Min(start, source);
                end = Math.Max(end, source + (char.IsHighSurrogate(text[source]) && source + 1 < text.Length && char.IsLowSurrogate(text[source + 1]) ? 2 : 1));
            }
            return (start, end);
        }
        void Encode(int from, int to, bool atTextStart)
        {
            ranges.Clear();
            _model.Encode(normalized.AsSpan(from, to - from), atTextStart, workspace, ids);
            for (int k = 0; k < ranges.Count; k += 2) spans.Add(Span(from + ranges.Span[k], from + ranges.Span[k + 1]));
        }
        bool atStart = segmentStart == 0;
        int position = 0;
        while (!_normalizedMatcher.IsEmpty && _normalizedMatcher.TryFindNext(normalized, position, position, out int start, out int end, out int id))
        {
            if (start > position) Encode(position, start, atStart && position == 0);
            ids.Add(id);
            spans.Add(Span(start, end));
            position = end;
        }
        if (position < normalized.Length) Encode(position, normalized.Length, atStart && position == 0);
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
