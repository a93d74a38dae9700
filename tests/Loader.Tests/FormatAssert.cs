using EmbedRt.Loader;

namespace EmbedRt.Loader.Tests;

/// <summary>Asserts that bad input fails with a <see cref="ModelFormatException"/> naming the file and the problem.</summary>
internal static class FormatAssert
{
    public static ModelFormatException Fails(Action action, string filePath, params string[] problemFragments)
    {
        var ex = Assert.Throws<ModelFormatException>(action);
        Assert.Equal(filePath, ex.FilePath);
        Assert.Contains(filePath, ex.Message);
        foreach (var fragment in problemFragments) Assert.Contains(fragment, ex.Problem);
        return ex;
    }
}
