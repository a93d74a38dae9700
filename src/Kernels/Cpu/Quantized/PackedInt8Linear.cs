namespace EmbedRt.Kernels.Cpu.Quantized;

/// <summary>
/// Int8 linear weights packed for <see cref="Int8MicroKernel{TQ, TInt, TS, TFloat}"/>: quantized per output
/// channel (<see cref="Int8Quantization"/>), cut into panels of <see cref="PanelWidth"/> output features, each
/// panel stored as [k / 4][PanelWidth][4] bytes so one vector load gives every column its next four weights
/// (vpdpbusd's layout). K is padded to a multiple of 4 and the last panel to the full width with zero weights.
/// Beside the bytes: per column the weight scale, the bias, and Σ weights, which the kernel multiplies by a row's
/// zero point and subtracts (Σ (a − z)·w = Σ a·w − z·Σ w).
/// </summary>
internal sealed unsafe class PackedInt8Linear : LinearWeights
{
    /// <summary>Depth values per 32-bit lane.</summary>
    public const int GroupDepth = 4;

    private readonly sbyte[] _panels;
    private readonly sbyte* _panelPointer;
    private readonly float[] _scales;
    private readonly float[] _bias;
    private readonly int[] _columnSums;
    private readonly float* _scalePointer, _biasPointer;
    private readonly int* _sumPointer;

    public PackedInt8Linear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures, int panelWidth)
        : base(outFeatures, inFeatures)
    {
        PanelWidth = panelWidth;
        PanelCount = (outFeatures + panelWidth - 1) / panelWidth;
        Groups = (inFeatures + GroupDepth - 1) / GroupDepth;
        int columns = PanelCount * panelWidth;

        var quantized = new sbyte[weight.Length];
        var rowScales = Int8Quantization.QuantizeRows(weight, outFeatures, inFeatures, quantized);
        _scales = GC.AllocateArray<float>(columns, pinned: true);
        _bias = GC.AllocateArray<float>(columns, pinned: true);
        _columnSums = GC.AllocateArray<int>(columns, pinned: true);
        rowScales.CopyTo(_scales, 0);
        bias.CopyTo(_bias);
        _panels = GC.AllocateArray<sbyte>(checked(columns * Groups * GroupDepth), pinned: true);
        for (int column = 0; column < outFeatures; column++)
        {
            var source = quantized.AsSpan(column * inFeatures, inFeatures);
            int sum = 0;
            int panel = column / panelWidth, lane = column % panelWidth;
            long panelStart = (long)panel * Groups * panelWidth * GroupDepth;
            for (int i = 0; i < inFeatures; i++)
            {
                sum += source[i];
                _panels[panelStart + ((long)(i / GroupDepth) * panelWidth + lane) * GroupDepth + i % GroupDepth] = source[i];
            }
            _columnSums[column] = sum;
        }
        fixed (sbyte* p = _panels) _panelPointer = p; // all pinned for the arrays' life
        fixed (float* s = _scales) _scalePointer = s;
        fixed (float* b = _bias) _biasPointer = b;
        fixed (int* o = _columnSums) _sumPointer = o;
    }

    /// <summary>Output features per panel (the micro-kernel's column count).</summary>
    public int PanelWidth { get; }

    public int PanelCount { get; }

    /// <summary>Groups of <see cref="GroupDepth"/> depth values: K rounded up, divided by 4.</summary>
    public int Groups { get; }

    /// <summary>Bytes per activation row as the kernel reads it (K padded to a multiple of 4).</summary>
    public int PaddedDepth => Groups * GroupDepth;

    public sbyte* Panel(int index) => _panelPointer + (long)index * Groups * PanelWidth * GroupDepth;

    /// <summary>Per-column weight scales, padded to PanelCount·PanelWidth (zeros past OutFeatures).</summary>
    public float* Scales => _scalePointer;

    /// <summary>Bias, padded (zeros when the layer has none).</summary>
    public float* Bias => _biasPointer;

    /// <summary>Σₖ q[column, k] per column, padded.</summary>
    public int* ColumnSums => _sumPointer;
}
