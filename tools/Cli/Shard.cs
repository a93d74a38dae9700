using System.Diagnostics.CodeAnalysis;

namespace EmbedRt.Cli;

/// <summary>
/// Shard <see cref="Index"/> of <see cref="Count"/> (--shard I/N): input lines I+1, I+1+N, I+1+2N, … (1-based), so
/// N jobs split a corpus deterministically without knowing its length, and line k (0-based) of shard I's output
/// belongs to input line I + 1 + k·N.
/// </summary>
internal sealed record Shard(int Index, int Count)
{
    public bool Includes(int line) => (line - 1) % Count == Index;

    public static bool TryParse(string text, [NotNullWhen(true)] out Shard? shard, [NotNullWhen(false)] out string? error)
    {
        shard = null;
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || !int.TryParse(parts[1], out int count))
        {
            error = $"--shard must be I/N, like 0/4, got '{text}'";
            return false;
        }
        if (count < 1 || index < 0 || index >= count)
        {
            error = $"--shard I/N needs N ≥ 1 and 0 ≤ I < N, got '{text}'";
            return false;
        }
        shard = new Shard(index, count);
        error = null;
        return true;
    }
}
