namespace EmbedRt.Tokenization.AddedTokens;

/// <summary>
/// The added tokens' patterns in a compact trie over UTF-16 code units: finding the longest pattern at a position
/// walks at most that pattern's length, whatever the number of patterns (10^6 added tokens cost what 10 do).
/// Each node's children are a sorted run of (char, child) edges found by binary search.
/// </summary>
internal sealed class AddedTokenTrie
{
    private readonly int[] _edgeStart;   // per node: first edge
    private readonly int[] _edgeCount;   // per node: number of edges
    private readonly int[] _terminal;    // per node: index of the pattern ending here, or -1
    private readonly char[] _edgeChar;
    private readonly int[] _edgeTarget;

    /// <param name="patterns">Non-empty patterns; of equal patterns the first one listed is the one matched.</param>
    public AddedTokenTrie(IReadOnlyList<string> patterns)
    {
        // Sorted ordinally, every node's patterns form one contiguous run, a prefix sorting before its extensions.
        var order = Enumerable.Range(0, patterns.Count).ToArray();
        Array.Sort(patterns.ToArray(), order, StringComparer.Ordinal);

        var edgeStart = new List<int>();
        var edgeCount = new List<int>();
        var terminal = new List<int>();
        var edgeChar = new List<char>();
        var edgeTarget = new List<int>();
        // Breadth-first over (node, run of sorted patterns [lo, hi), depth): no recursion, however long a pattern.
        var queue = new Queue<(int Node, int Lo, int Hi, int Depth)>();
        NewNode();
        queue.Enqueue((0, 0, order.Length, 0));
        while (queue.Count > 0)
        {
            var (node, lo, hi, depth) = queue.Dequeue();
            if (lo < hi && patterns[order[lo]].Length == depth)
            {
                int first = order[lo];
                for (; lo < hi && patterns[order[lo]].Length == depth; lo++) first = Math.Min(first, order[lo]); // duplicates: the first listed wins
                terminal[node] = first;
            }
            edgeStart[node] = edgeChar.Count;
            for (int start = lo; start < hi;)
            {
                char c = patterns[order[start]][depth];
                int end = start + 1;
                while (end < hi && patterns[order[end]][depth] == c) end++;
                int child = NewNode();
                edgeChar.Add(c);
                edgeTarget.Add(child);
                queue.Enqueue((child, start, end, depth + 1));
                start = end;
            }
            edgeCount[node] = edgeChar.Count - edgeStart[node];
        }
        _edgeStart = edgeStart.ToArray();
        _edgeCount = edgeCount.ToArray();
        _terminal = terminal.ToArray();
        _edgeChar = edgeChar.ToArray();
        _edgeTarget = edgeTarget.ToArray();

        int NewNode()
        {
            edgeStart.Add(0);
            edgeCount.Add(0);
            terminal.Add(-1);
            return terminal.Count - 1;
        }
    }

    /// <summary>The longest pattern that <paramref name="text"/> starts with: its index and length, or index -1.</summary>
    public (int Pattern, int Length) LongestPrefix(ReadOnlySpan<char> text)
    {
        int node = 0, best = -1, bestLength = 0;
        for (int i = 0; i < text.Length; i++)
        {
            int count = _edgeCount[node];
            if (count == 0) break;
            int edge = _edgeChar.AsSpan(_edgeStart[node], count).BinarySearch(text[i]);
            if (edge < 0) break;
            node = _edgeTarget[_edgeStart[node] + edge];
            if (_terminal[node] >= 0)
            {
                best = _terminal[node];
                bestLength = i + 1;
            }
        }
        return (best, bestLength);
    }
}
