namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// A float32 tensor: zero-copy over the memory map for aligned F32 data, otherwise a converted copy.
/// Data over the map is valid until its <see cref="SafetensorsCheckpoint"/> is disposed.
/// </summary>
public sealed class FloatTensor
{
    /// <summary>Wraps row-major data of the given shape.</summary>
    public FloatTensor(string name, int[] shape, ReadOnlyMemory<float> data)
    {
        Name = name;
        Shape = shape;
        Data = data;
    }

    /// <summary>The tensor's name in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>Its dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>Its elements in row-major order.</summary>
    public ReadOnlyMemory<float> Data { get; }
}
