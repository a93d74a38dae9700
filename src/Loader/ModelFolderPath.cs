namespace EmbedRt.Loader;

/// <summary>Resolves paths that one file of a model folder gives for another (shards, module folders).</summary>
internal static class ModelFolderPath
{
    /// <summary>
    /// The full path of <paramref name="relative"/> inside <paramref name="folder"/> (the folder itself when it is ""),
    /// or null when it is not a valid path or leads outside the folder: model files must not reach elsewhere.
    /// </summary>
    public static string? Resolve(string folder, string relative)
    {
        if (relative.Contains('\0')) return null;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(root, relative)));
        if (full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return full;
        return null;
    }
}
