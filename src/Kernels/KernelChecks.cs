namespace EmbedRt.Kernels;

/// <summary>Argument checks shared by the kernel sets: shapes once per call or at load, never in hot loops.</summary>
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

    /// <summary>Lengths and every table index of <see cref="IKernels.EmbeddingLayerNorm"/>.</summary>
    public static void Embedding(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds,
        EmbeddingTable word, int positionLength, int tokenTypeLength, int gammaLength, int betaLength, int cols, int yLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (word.Cols != cols) throw new ArgumentException($"word table has {word.Cols} columns, expected {cols}", nameof(word));
        int tokens = ids.Length;
        if (positions.Length != tokens || typeIds.Length != tokens)
            throw new ArgumentException($"{tokens} ids need as many positions and type ids, got {positions.Length} and {typeIds.Length}");
        if (gammaLength < cols || betaLength < cols) throw new ArgumentException($"gamma and beta need {cols} values");
        if (yLength < (long)tokens * cols) throw new ArgumentException($"y has {yLength} values, needs {(long)tokens * cols}", "y");
        Indices(ids, word.Rows, "ids", "word");
        Indices(positions, positionLength / cols, "positions", "position");
        Indices(typeIds, tokenTypeLength / cols, "typeIds", "token type");
    }

    /// <summary>Lengths of <see cref="IKernels.Pool"/>.</summary>
    public static void Pool(int hiddenLength, int rows, int cols, TokenPooling pooling, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (!Enum.IsDefined(pooling)) throw new ArgumentOutOfRangeException(nameof(pooling), pooling, "unknown pooling");
        if (hiddenLength < (long)rows * cols) throw new ArgumentException($"hidden has {hiddenLength} values, needs {(long)rows * cols}", "hidden");
        if (outputLength < cols) throw new ArgumentException($"output has {outputLength} values, needs {cols}", "output");
    }

    private static void Indices(ReadOnlySpan<int> indices, int tableRows, string name, string table)
    {
        for (int t = 0; t < indices.Length; t++)
            if ((uint)indices[t] >= (uint)tableRows)
                throw new ArgumentOutOfRangeException(name, indices[t], $"token {t}: index {indices[t]} is outside the {table} table of {tableRows} rows");
    }
}
