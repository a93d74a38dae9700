namespace EmbedRt.Model;

/// <summary>
/// Activation buffers of one forward pass, sized by token count and reused between calls: after the largest
/// batch has been seen, a forward pass allocates nothing.
/// </summary>
internal sealed class EncoderWorkspace
{
    private readonly EncoderConfig _config;
    private int _capacity;

    public EncoderWorkspace(EncoderConfig config) => _config = config;

    /// <summary>[tokens, hidden]: the running hidden state, the forward pass's result.</summary>
    public float[] Hidden { get; private set; } = [];
    /// <summary>[tokens, 3·hidden]: fused Q | K | V.</summary>
    public float[] Qkv { get; private set; } = [];
    /// <summary>[tokens, hidden]: attention context, then the output of each sub-layer's projection.</summary>
    public float[] Scratch { get; private set; } = [];
    /// <summary>[tokens, intermediate]: feed-forward inner activations.</summary>
    public float[] Inner { get; private set; } = [];
    /// <summary>[tokens]: position ids.</summary>
    public int[] Positions { get; private set; } = [];

    public void EnsureTokens(int tokens)
    {
        if (tokens <= _capacity) return;
        _capacity = Math.Max(tokens, _capacity + _capacity / 2);
        Hidden = new float[_capacity * _config.Hidden];
        Qkv = new float[_capacity * 3 * _config.Hidden];
        Scratch = new float[_capacity * _config.Hidden];
        Inner = new float[_capacity * _config.Intermediate];
        Positions = new int[_capacity];
    }
}
