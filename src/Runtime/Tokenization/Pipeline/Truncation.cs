namespace EmbedRt.Tokenization.Pipeline;

/// <summary>Hugging Face's longest_first truncation (fast tokenizers' closed form), cutting from either end.</summary>
internal static class Truncation
{
    /// <summary>
    /// Shortens the content ids so that together they hold at most <paramref name="maxContent"/> tokens. The kept
    /// lengths do not depend on the direction; Left keeps each text's last tokens instead of its first.
    /// <paramref name="firstLength"/> and <paramref name="secondLength"/> are the lengths the pair rule compares
    /// when they differ from the lists' counts (Hugging Face stops counting a long text early).
    /// </summary>
    public static void LongestFirst(GrowableList<int> first, GrowableList<int>? second, int maxContent, TruncationDirection direction,
        int? firstLength = null, int? secondLength = null)
    {
        int total = first.Count + (second?.Count ?? 0);
        if (total <= maxContent) return;
        if (second is null)
        {
            Keep(first, maxContent, direction);
            return;
        }
        int n1 = firstLength ?? first.Count, n2 = secondLength ?? second.Count;
        int shorter = Math.Min(n1, n2), longer;
        if (shorter > maxContent) longer = shorter;
        else longer = Math.Max(shorter, maxContent - shorter);
        if (shorter + longer > maxContent)
        {
            shorter = maxContent / 2;
            longer = shorter + maxContent % 2;
        }
        // the odd token goes to the longer input; on a tie the first input counts as the shorter one
        bool firstIsLonger = n1 > n2;
        Keep(first, firstIsLonger ? longer : shorter, direction);
        Keep(second, firstIsLonger ? shorter : longer, direction);
    }

    private static void Keep(GrowableList<int> ids, int count, TruncationDirection direction)
    {
        if (ids.Count <= count) return;
        if (direction == TruncationDirection.Left) ids.Span[(ids.Count - count)..].CopyTo(ids.Span);
        ids.Count = count;
    }
}
