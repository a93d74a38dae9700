using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unicode;

/// <summary>
/// Unicode NFD (canonical decomposition + canonical ordering) on code points. Needed because .NET's
/// string.Normalize is a no-op under InvariantGlobalization.
/// </summary>
internal static class CanonicalDecomposition
{
    private const int HangulBase = 0xAC00, HangulCount = 11172, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int VowelCount = 21, TrailCount = 28;

    /// <summary>Appends the full canonical decomposition of <paramref name="codePoint"/> (unordered).</summary>
    public static void Decompose(int codePoint, GrowableList<int> output)
    {
        int hangulIndex = codePoint - HangulBase;
        if ((uint)hangulIndex < HangulCount)
        {
            output.Add(LeadBase + hangulIndex / (VowelCount * TrailCount));
            output.Add(VowelBase + hangulIndex % (VowelCount * TrailCount) / TrailCount);
            int trail = hangulIndex % TrailCount;
            if (trail != 0) output.Add(TrailBase + trail);
            return;
        }
        int index = codePoint < 0xC0 ? -1 : IndexOf(UnicodeDecompositionData.DecomposedCodePoints, codePoint);
        if (index < 0)
        {
            output.Add(codePoint);
            return;
        }
        var starts = UnicodeDecompositionData.DecompositionStarts;
        output.AddRange(UnicodeDecompositionData.Decompositions.AsSpan(starts[index], starts[index + 1] - starts[index]));
    }

    /// <summary>Canonical combining class (0 for starters).</summary>
    public static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x300) return 0;
        int index = IndexOf(UnicodeDecompositionData.CombiningCodePoints, codePoint);
        return index < 0 ? 0 : UnicodeDecompositionData.CombiningClasses[index];
    }

    /// <summary>Canonical ordering: stable sort of each run of non-starters by combining class.</summary>
    public static void Reorder(Span<int> codePoints)
    {
        for (int i = 1; i < codePoints.Length; i++)
        {
            int ccc = CombiningClass(codePoints[i]);
            if (ccc == 0) continue;
            int j = i;
            int moving = codePoints[i];
            while (j > 0)
            {
                int previous = CombiningClass(codePoints[j - 1]);
                if (previous <= ccc) break;
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = moving;
        }
    }

    /// <summary>Binary search without MemoryExtensions.BinarySearch's boxing of the value.</summary>
    private static int IndexOf(ReadOnlySpan<int> sorted, int value)
    {
        int low = 0, high = sorted.Length - 1;
        while (low <= high)
        {
            int middle = (low + high) >>> 1;
            int current = sorted[middle];
            if (current == value) return middle;
            if (current < value) low = middle + 1;
            else high = middle - 1;
        }
        return -1;
    }
}
