namespace EmbedRt.Loader.Torch;

/// <summary>
/// What a state dict may hold, checked against the pickle's declarations before any storage is inflated: the
/// tensor names and shapes (-1 for a dimension of any size) and a bound on all their elements together.
/// </summary>
/// <param name="Shapes">Every allowed tensor by name; the file may hold no other.</param>
/// <param name="MaxElements">Most elements the tensors may have together (bounds what is inflated).</param>
public sealed record TensorExpectation(IReadOnlyDictionary<string, long[]> Shapes, long MaxElements)
{
    /// <summary>The problem with a declared tensor, or null when it fits.</summary>
    internal string? Check(string name, long[] shape)
    {
        if (!Shapes.TryGetValue(name, out var expected))
            return $"unexpected tensor '{name}' (expected {string.Join(", ", Shapes.Keys.Select(k => $"'{k}'"))})";
        bool fits = expected.Length == shape.Length && expected.Zip(shape).All(p => p.First < 0 || p.First == p.Second);
        return fits ? null : $"tensor '{name}' is declared with shape [{string.Join(",", shape)}], expected [{string.Join(",", expected.Select(d => d < 0 ? "*" : d.ToString()))}]";
    }
}
