using EmbedRt.Kernels;

namespace EmbedRt.Loader.Safetensors;

/// <summary>
/// An F16 or BF16 tensor kept in its 16-bit encoding: zero-copy over the memory map when aligned, otherwise a
/// copy. Data over the map is valid until its <see cref="SafetensorsCheckpoint"/> is disposed.
/// </summary>
/// <param name="Name">The tensor's name in the checkpoint.</param>
/// <param name="Shape">Its dimensions, outermost first.</param>
/// <param name="Format">Its encoding.</param>
/// <param name="Data">Its elements in row-major order, as stored.</param>
public sealed record HalfTensor(string Name, int[] Shape, HalfFormat Format, ReadOnlyMemory<ushort> Data);
