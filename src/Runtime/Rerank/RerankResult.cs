namespace EmbedRt.Rerank;

/// <summary>One passage's relevance to a query.</summary>
/// <param name="Index">Position of the passage in the input.</param>
/// <param name="Logit">The classifier's raw output.</param>
/// <param name="Score">sigmoid(<paramref name="Logit"/>), in (0, 1).</param>
public sealed record RerankResult(int Index, float Logit, float Score);
