namespace EmbedRt.Kernels.Cpu.Gemm;

/// <summary>
/// Linear weights re-packed for the GEMM micro-kernel: Wᵀ cut into panels of <see cref="PanelWidth"/> output
/// features, each panel stored k-major ([inFeatures][PanelWidth]) so the kernel streams it with unit stride.
/// The last panel and the bias are zero-padded to the full width.
/// </summary>
internal sealed unsafe class PackedLinear : LinearWeights
{
    private readonly AlignedBuffer _panels;
    private readonly AlignedBuffer _bias;

    public PackedLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures, int panelWidth)
        : base(outFeatures, inFeatures)
    {
        PanelWidth = panelWidth;
        PanelCount = (outFeatures + panelWidth - 1) / panelWidth;
        _panels = new AlignedBuffer((long)PanelCount * panelWidth * inFeatures);
        _bias = new AlignedBuffer((long)PanelCount * panelWidth);
        new Span<float>(_bias.Pointer, _bias.Length).Clear();
        bias.CopyTo(new Span<float>(_bias.Pointer, outFeatures));
        for (int p = 0; p < PanelCount; p++)
        {
            float* panel = Panel(p);
            for (int j = 0; j < panelWidth; j++)
            {
                int row = p * panelWidth + j;
                if (row < outFeatures)
                {
                    var source = weight.Slice(row * inFeatures, inFeatures);
                    for (int k = 0; k < inFeatures; k++) panel[k * panelWidth + j] = source[k];
                }
                else
                {
                    for (int k = 0; k < inFeatures; k++) panel[k * panelWidth + j] = 0f;
                }
            }
        }
    }

    /// <summary>Output features per panel (the micro-kernel's column count).</summary>
    public int PanelWidth { get; }

    public int PanelCount { get; }

    /// <summary>Bias padded to PanelCount·PanelWidth (zeros when the layer has none).</summary>
    public float* Bias => _bias.Pointer;

    public float* Panel(int index) => _panels.Pointer + (long)index * PanelWidth * InFeatures;
}
