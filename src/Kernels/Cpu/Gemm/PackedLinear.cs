namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>
/// Linear weights re-packed for the GEMM micro-kernel: Wᵀ cut into panels of <see cref="PanelWidth"/> output
/// features, each panel stored k-major ([inFeatures][PanelWidth]) so the kernel streams it with unit stride.
/// The last panel and the bias are zero-padded to the full width. Panels are float32, or stay in their 16-bit
/// checkpoint encoding (<see cref="HalfFormat"/>) for the GEMM to widen one block at a time.
/// </summary>
internal sealed unsafe class PackedLinear : LinearWeights
{
    private readonly AlignedBuffer? _panels;
    private readonly ushort[]? _halfPanels;
    private readonly ushort* _halfPointer;
    private readonly AlignedBuffer _bias;

    public PackedLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures, int panelWidth)
        : this(bias, outFeatures, inFeatures, panelWidth)
    {
        _panels = new AlignedBuffer((long)PanelCount * panelWidth * inFeatures);
        Pack(weight, new Span<float>(_panels.Pointer, _panels.Length));
    }

    public PackedLinear(ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures,
        int panelWidth)
        : this(bias, outFeatures, inFeatures, panelWidth)
    {
        HalfFormat = format;
        _halfPanels = GC.AllocateUninitializedArray<ushort>(checked(PanelCount * panelWidth * inFeatures), pinned: true);
        fixed (ushort* pointer = _halfPanels) _halfPointer = pointer; // pinned for the array's life
        Pack(weight, _halfPanels);
    }

    private PackedLinear(ReadOnlySpan<float> bias, int outFeatures, int inFeatures, int panelWidth)
        : base(outFeatures, inFeatures)
    {
        PanelWidth = panelWidth;
        PanelCount = (outFeatures + panelWidth - 1) / panelWidth;
        _bias = new AlignedBuffer((long)PanelCount * panelWidth);
        new Span<float>(_bias.Pointer, _bias.Length).Clear();
        bias.CopyTo(new Span<float>(_bias.Pointer, outFeatures));
    }

    /// <summary>Output features per panel (the micro-kernel's column count).</summary>
    public int PanelWidth { get; }

    public int PanelCount { get; }

    /// <summary>The 16-bit encoding of the panels, or null when they are float32.</summary>
    public HalfFormat? HalfFormat { get; }

    /// <summary>Bias padded to PanelCount·PanelWidth (zeros when the layer has none).</summary>
    public float* Bias => _bias.Pointer;

    /// <summary>Panel <paramref name="index"/> of float32 weights.</summary>
    public float* Panel(int index) => _panels!.Pointer + (long)index * PanelWidth * InFeatures;

    /// <summary>Panel <paramref name="index"/> of 16-bit weights.</summary>
    public ushort* HalfPanel(int index) => _halfPointer + (long)index * PanelWidth * InFeatures;

    private void Pack<T>(ReadOnlySpan<T> weight, Span<T> panels) where T : unmanaged
    {
        int width = PanelWidth, k = InFeatures;
        for (int p = 0; p < PanelCount; p++)
        {
            var panel = panels.Slice(p * width * k, width * k);
            for (int j = 0; j < width; j++)
            {
                int row = p * width + j;
                if (row < OutFeatures)
                {
                    var source = weight.Slice(row * k, k);
                    for (int i = 0; i < k; i++) panel[i * width + j] = source[i];
                }
                else
                {
                    for (int i = 0; i < k; i++) panel[i * width + j] = default;
                }
            }
        }
    }
}
