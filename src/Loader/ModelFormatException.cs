namespace EmbedRt.Loader;

/// <summary>
/// A model folder's file is missing, malformed or inconsistent. The message always names the file
/// (and the tensor, field or line where there is one) and the problem.
/// </summary>
public class ModelFormatException : Exception
{
    /// <summary>Creates the exception; the message becomes "<paramref name="filePath"/>: <paramref name="problem"/>".</summary>
    public ModelFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The problem, without the file name.</summary>
    public string Problem { get; }
}
