namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>
/// How a GEMM of given rows and weight panels is cut into tasks of (row block, column block), shared by the float
/// and the int8 GEMM: rows are split first so that each weight panel is shared by as many rows as possible.
/// </summary>
internal readonly struct GemmTiling
{
    private readonly int _rows, _rowBlock, _fullBlocks, _tailBlock, _columnBlocks, _panelsPerBlock, _panelCount;

    /// <param name="rows">Rows of x (and y).</param>
    /// <param name="panelCount">Weight panels (column groups of the micro-kernel's width).</param>
    /// <param name="workers">Threads the call runs on.</param>
    /// <param name="maxRowBlock">The tallest row block whose x stays in L2.</param>
    /// <param name="tileRows">The micro-kernel's tile height: row blocks are multiples of it.</param>
    public GemmTiling(int rows, int panelCount, int workers, int maxRowBlock, int tileRows)
    {
        int rowPanels = (rows + tileRows - 1) / tileRows;
        int rowBlocks = (rowPanels * tileRows + maxRowBlock - 1) / maxRowBlock;
        int columnBlocks = 1;
        if (workers > 1 && rowBlocks == 1)
        {
            // The rows fit one block: split the columns instead, so every weight panel still serves all the rows
            // (cutting the rows into small blocks made each re-read every panel: 1.78× on two threads at
            // 128 × 384 × 384 instead of 1.9×).
            columnBlocks = Math.Min(panelCount, 2 * workers);
        }
        else if (workers > 1)
        {
            // Several row blocks per worker while each keeps ≥ 4 micro-panels, so a worker that the OS preempts
            // delays only a small task; rounded to a multiple of the worker count so the last round is shared.
            rowBlocks = Math.Max(rowBlocks, Math.Min(4 * workers, rowPanels / 4));
            rowBlocks = Math.Min((rowBlocks + workers - 1) / workers * workers, rowPanels);
        }
        _rows = rows;
        _panelCount = panelCount;
        _rowBlock = (rowPanels + rowBlocks - 1) / rowBlocks * tileRows;
        _columnBlocks = columnBlocks;
        _panelsPerBlock = (panelCount + columnBlocks - 1) / columnBlocks;

        // The last round (one block per worker) is cut into blocks a quarter as tall, so that the workers finish
        // together instead of one waiting most of a block for the other (worth ~2–3 % of a forward pass on two threads).
        int blocks = (rows + _rowBlock - 1) / _rowBlock;
        if (workers == 1 || blocks < 2 * workers || _rowBlock < 4 * tileRows)
        {
            _fullBlocks = blocks;
            _tailBlock = _rowBlock;
            Tasks = blocks * columnBlocks;
        }
        else
        {
            _fullBlocks = blocks - workers;
            _tailBlock = (_rowBlock / 4 + tileRows - 1) / tileRows * tileRows;
            Tasks = (_fullBlocks + (rows - _fullBlocks * _rowBlock + _tailBlock - 1) / _tailBlock) * columnBlocks;
        }
    }

    /// <summary>Tasks to hand to the pool.</summary>
    public int Tasks { get; }

    /// <summary>The tallest row block (the full blocks' height).</summary>
    public int RowBlock => _rowBlock;

    /// <summary>The rows [FirstRow, FirstRow + RowCount) and panels [FirstPanel, EndPanel) of one task.</summary>
    public (int FirstRow, int RowCount, int FirstPanel, int EndPanel) Task(int task)
    {
        int rowTask = task / _columnBlocks;
        int firstRow = rowTask < _fullBlocks ? rowTask * _rowBlock : _fullBlocks * _rowBlock + (rowTask - _fullBlocks) * _tailBlock;
        int rowCount = Math.Min(rowTask < _fullBlocks ? _rowBlock : _tailBlock, _rows - firstRow);
        int firstPanel = task % _columnBlocks * _panelsPerBlock;
        return (firstRow, rowCount, firstPanel, Math.Min(_panelCount, firstPanel + _panelsPerBlock));
    }
}
