namespace EmbedRt.Tokenization.Pipeline;

/// <summary>Hugging Face's longest_first truncation (fast tokenizers' closed form), cutting from the end.</summary>
internal static class Truncation
{
    /// <summary>Shortens the content ids so that together they hold at most <paramref name="maxContent"/> tokens.</summary>
    public static void LongestFirst(GrowableList<int> first, GrowableList<int>? second, int maxContent)
    {
        int total = first.Count + (second?.Count ?? 0);
        if (total <= maxContent) return;
        if (second is null)
        {
            first.Count = maxContent;
            return;
        }
        int shorter = Math.Min(first.Count, second.Count), longer;
        if (shorter > maxContent) longer = shorter;
        else longer = Math.Max(shorter, maxContent - shorter);
        if (shorter + longer > maxContent)
        {
            shorter = maxContent / 2;
            longer = shorter + maxContent % 2;
        }
        // the odd token goes to the longer input; on a tie the first input counts as the shorter one
        bool firstIsLonger = first.Count > second.Count;
        first.Count = Math.Min(first.Count, firstIsLonger ? longer : shorter);
        second.Count = Math.Min(second.Count, firstIsLonger ? shorter : longer);
    }
}
