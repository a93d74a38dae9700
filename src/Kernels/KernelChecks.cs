namespace EmbedRt.Kernels;

/// <summary>Shape checks done once when a kernel set prepares data, never in hot loops.</summary>
internal static class KernelChecks
{
    public static void LinearShapes(int weightLength, int biasLength, int outFeatures, int inFeatures)
    {
        if (outFeatures <= 0 || inFeatures <= 0)
            throw new ArgumentException($"linear layer needs positive sizes, got [{outFeatures}, {inFeatures}]");
        if (weightLength != (long)outFeatures * inFeatures)
            throw new ArgumentException($"linear weight has {weightLength} values, expected {outFeatures}×{inFeatures}");
        if (biasLength != 0 && biasLength != outFeatures)
            throw new ArgumentException($"linear bias has {biasLength} values, expected {outFeatures}");
    }
}
