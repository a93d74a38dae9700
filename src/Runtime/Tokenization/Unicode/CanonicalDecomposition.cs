using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unicode;

/// <summary>
/// Unicode NFD (canonical decomposition + canonical ordering) on code points, with the Unicode 9.0 data of
/// unicode-normalization-alignments 0.1.12, which Hugging Face tokenizers uses: characters encoded later are left
/// as they are, with combining class 0. Also needed because .NET's string.Normalize is a no-op under
/// InvariantGlobalization.
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
        int index = codePoint < 0x10000 && !CharClass.BmpHas(codePoint, CharClass.Bmp.Decomposes)
            ? -1 : CharClass.IndexOf(UnicodeTables.DecompositionCodePoints, codePoint);
        if (index < 0) output.Add(codePoint);
        else CharClass.AppendMapping(UnicodeTables.DecompositionStarts, UnicodeTables.DecompositionTargets, index, output);
    }

    /// <summary>Canonical combining class (0 for starters).</summary>
    public static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x10000 && !CharClass.BmpHas(codePoint, CharClass.Bmp.CombiningClass)) return 0;
        int index = CharClass.IndexOf(UnicodeTables.CombiningClassCodePoints, codePoint);
        return index < 0 ? 0 : UnicodeTables.CombiningClasses[index];
    }

    /// <summary>Canonical ordering: stable sort of each run of non-starters by combining class.</summary>
    public static void Reorder(Span<int> codePoints) => Reorder(codePoints, []);

    /// <summary>Canonical reordering that moves <paramref name="companion"/> (when not empty) along with the code points.</summary>
    public static void Reorder(Span<int> codePoints, Span<int> companion)
    {
        for (int i = 1; i < codePoints.Length; i++)
        {
            int ccc = CombiningClass(codePoints[i]);
            if (ccc == 0) continue;
            int j = i;
            int moving = codePoints[i];
            int movingCompanion = companion.IsEmpty ? 0 : companion[i];
            while (j > 0)
            {
                int previous = CombiningClass(codePoints[j - 1]);
                if (previous <= ccc) break;
                codePoints[j] = codePoints[j - 1];
                if (!companion.IsEmpty) companion[j] = companion[j - 1];
                j--;
            }
            codePoints[j] = moving;
            if (!companion.IsEmpty) companion[j] = movingCompanion;
        }
    }
}
