namespace EmbedRt.Cli;

/// <summary>Tells the user, on stderr, which inputs were cut to the max length: truncation must never be silent.</summary>
internal static class LongInputWarning
{
    /// <summary>Reports the 1-based <paramref name="lines"/> the library truncated; nothing when there are none.</summary>
    public static void Report(IReadOnlyList<int> lines, int maxLength)
    {
        if (lines.Count == 0) return;
        string shown = string.Join(", ", lines.Take(10)) + (lines.Count > 10 ? ", …" : "");
        Console.Error.WriteLine($"embedrt: warning: {lines.Count} input(s) longer than {maxLength} tokens were truncated (line {shown}); " +
            "use --long-inputs error or chunk-mean to change this");
    }
}
