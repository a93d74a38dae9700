namespace EmbedRt.Kernels;

/// <summary>
/// A row-major [rows, cols] embedding table in float32 or kept in its 16-bit checkpoint encoding (then rows are
/// widened as tokens gather them). The memory may lie over a memory-mapped file: only the rows tokens touch
/// are then ever read in.
/// </summary>
public sealed class EmbeddingTable
{
    /// <summary>A float32 table.</summary>
    public EmbeddingTable(ReadOnlyMemory<float> values, int rows, int cols)
    {
        CheckShape(values.Length, rows, cols);
        Floats = values;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>A table kept in a 16-bit encoding.</summary>
    public EmbeddingTable(ReadOnlyMemory<ushort> values, HalfFormat format, int rows, int cols)
    {
        CheckShape(values.Length, rows, cols);
        Halves = values;
        Format = format;
        Rows = rows;
        Cols = cols;
    }

    /// <summary>Rows (the vocabulary size for a word table).</summary>
    public int Rows { get; }

    /// <summary>Columns (the hidden size).</summary>
    public int Cols { get; }

    /// <summary>The 16-bit encoding, or null for a float32 table.</summary>
    public HalfFormat? Format { get; }

    /// <summary>The values of a float32 table (empty otherwise).</summary>
    public ReadOnlyMemory<float> Floats { get; }

    /// <summary>The values of a 16-bit table (empty otherwise).</summary>
    public ReadOnlyMemory<ushort> Halves { get; }

    /// <summary>Row <paramref name="row"/> as floats, widened if need be.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        if (Format is { } format) HalfConversion.Widen(Halves.Span.Slice(row * Cols, Cols), format, destination);
        else Floats.Span.Slice(row * Cols, Cols).CopyTo(destination);
    }

    private static void CheckShape(int length, int rows, int cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (length != (long)rows * cols) throw new ArgumentException($"table has {length} values, expected {rows}×{cols}");
    }
}
