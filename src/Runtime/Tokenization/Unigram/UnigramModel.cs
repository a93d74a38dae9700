using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unigram;

/// <summary>
/// Hugging Face's Unigram model: Viterbi over a lattice of vocabulary pieces; a character no piece covers gets
/// an unknown node scored min_score - 10, and runs of unknown nodes fuse into one unknown token.
/// </summary>
internal sealed class UnigramModel
{
    private const double UnknownPenalty = 10.0;

    private readonly Dictionary<long, int> _children = [];
    private readonly List<int> _nodeTokens = [-1];
    private readonly double[] _scores;
    private readonly double _unknownScore;

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocabulary, int unknownId)
    {
        _scores = new double[vocabulary.Count];
        double minScore = double.MaxValue;
        for (int id = 0; id < vocabulary.Count; id++)
        {
            var (piece, score) = vocabulary[id];
            _scores[id] = score;
            minScore = Math.Min(minScore, score);
            if (piece.Length > 0) _nodeTokens[Insert(piece)] = id;
        }
        _unknownScore = minScore - UnknownPenalty;
        UnknownId = unknownId;
    }

    public int UnknownId { get; }

    public int Count => _scores.Length;

    /// <summary>Appends the word's pieces; with <paramref name="ranges"/>, each piece's (start, end) in the word plus <paramref name="offset"/>.</summary>
    public void EncodeWord(ReadOnlySpan<char> word, Workspace workspace, GrowableList<int> ids, GrowableList<int>? ranges = null, int offset = 0)
    {
        int n = word.Length;
        var scores = Reset(workspace.PathScores, n + 1, double.NegativeInfinity);
        var starts = Reset(workspace.PathStarts, n + 1, -1);
        var tokens = Reset(workspace.PathIds, n + 1, -1);
        scores[0] = 0;
        for (int start = 0; start < n; start++)
        {
            if (starts[start] < 0 && start > 0) continue; // inside a surrogate pair: not a character boundary
            int charWidth = char.IsHighSurrogate(word[start]) && start + 1 < n && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            double baseScore = scores[start];
            bool coversChar = false;
            int node = 0;
            for (int end = start; end < n; end++)
            {
                if (!_children.TryGetValue(Key(node, word[end]), out node)) break;
                int id = _nodeTokens[node];
                if (id < 0) continue;
                if (end + 1 - start == charWidth) coversChar = true;
                Relax(scores, starts, tokens, start, end + 1, id, baseScore + _scores[id]);
            }
            if (!coversChar) Relax(scores, starts, tokens, start, start + charWidth, UnknownId, baseScore + _unknownScore);
        }
        EmitBestPath(starts, tokens, n, ids, ranges, offset);
    }

    /// <summary>The best path's tokens in order; consecutive unknown pieces become one (Hugging Face's fuse_unk).</summary>
    private void EmitBestPath(Span<int> starts, Span<int> tokens, int n, GrowableList<int> ids, GrowableList<int>? ranges, int offset)
    {
        int first = ids.Count, firstRange = ranges?.Count ?? 0;
        for (int end = n; end > 0; end = starts[end])
        {
            int id = tokens[end];
            if (id == UnknownId && ids.Count > first && ids.Span[^1] == UnknownId)
            {
                if (ranges is not null) ranges.Span[^2] = offset + starts[end]; // the fused token starts earlier
                continue;
            }
            ids.Add(id);
            ranges?.AddRange([offset + starts[end], offset + end]);
        }
        ids.Span[first..].Reverse();
        if (ranges is null) return;
        // pairs were appended last token first: reverse the pairs
        var pairs = ranges.Span[firstRange..];
        for (int a = 0, b = pairs.Length - 2; a < b; a += 2, b -= 2)
        {
            (pairs[a], pairs[b]) = (pairs[b], pairs[a]);
            (pairs[a + 1], pairs[b + 1]) = (pairs[b + 1], pairs[a + 1]);
        }
    }

    private static void Relax(Span<double> scores, Span<int> starts, Span<int> tokens, int start, int end, int id, double score)
    {
        if (starts[end] >= 0 && score <= scores[end]) return;
        scores[end] = score;
        starts[end] = start;
        tokens[end] = id;
    }

    private int Insert(string piece)
    {
        int node = 0;
        foreach (char c in piece)
        {
            if (!_children.TryGetValue(Key(node, c), out int child))
            {
                child = _nodeTokens.Count;
                _nodeTokens.Add(-1);
                _children.Add(Key(node, c), child);
            }
            node = child;
        }
        return node;
    }

    private static long Key(int node, char c) => ((long)node << 16) | c;

    private static Span<T> Reset<T>(GrowableList<T> list, int count, T value)
    {
        list.Clear();
        list.EnsureCapacity(count);
        list.Count = count;
        var span = list.Span;
        span.Fill(value);
        return span;
    }
}
