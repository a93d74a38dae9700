namespace EmbedRt.TestKit;

/// <summary>Paths to the test data copied into tests/fixtures (see tests/fixtures/PROVENANCE.md).</summary>
public static class Fixtures
{
    /// <summary>The tests/fixtures folder, found by walking up from the test binary.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// A tiny model folder, e.g. "bert-tiny-uncased": the shared fixtures in models/, or those made by
    /// tools/modelgen in generated/.
    /// </summary>
    public static string Model(string name) => Path.Combine(ModelsFolder(name), name);

    /// <summary>The float64 reference outputs of a tiny model.</summary>
    public static string ModelReference(string name) => Path.Combine(ModelsFolder(name), name + ".reference.json");

    private static string ModelsFolder(string name) =>
        Directory.Exists(Path.Combine(Root, "generated", name)) ? Path.Combine(Root, "generated") : Path.Combine(Root, "models");

    /// <summary>A real vocabulary folder with cases.jsonl, e.g. "bert-base-uncased".</summary>
    public static string Tokenizer(string name) => Path.Combine(Root, "tokenizers", name);

    /// <summary>A fresh empty temporary folder, deleted when the process ends is not guaranteed: use under /tmp.</summary>
    public static string TempDirectory(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), "embedrt-tests", prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Copies a fixture model folder into a temp folder so a test may alter files.</summary>
    public static string CopyModel(string name)
    {
        var source = Model(name);
        var target = TempDirectory(name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }
        return target;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(Path.Combine(candidate, "models"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
