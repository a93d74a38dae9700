namespace EmbedRt.Loader.Config;

/// <summary>The feed-forward activation named by config.json's hidden_act.</summary>
public enum HiddenActivation
{
    /// <summary>Exact GELU with erf: "gelu", "gelu_python".</summary>
    GeluErf,
    /// <summary>
    /// Tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): "gelu_new", "gelu_pytorch_tanh", "gelu_fast"
    /// (the three differ only in how the same formula is evaluated).
    /// </summary>
    GeluTanh,
    /// <summary>max(x, 0): "relu".</summary>
    Relu,
}
