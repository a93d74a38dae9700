using EmbedRt.Cli.Input;

namespace EmbedRt.Cli;

/// <summary>Long inputs in the CLI's terms: by input line, never by an index into a batch.</summary>
internal static class LongInputs
{
    /// <summary>Runs a round's library call, turning an input refused for its length into an error naming its line.</summary>
    public static TResult NameLine<T, TResult>(IReadOnlyList<Numbered<T>> round, Func<TResult> call, Func<int, int>? lineOfInput = null)
    {
        try
        {
            return call();
        }
        catch (InputTooLongException e)
        {
            int line = round[lineOfInput?.Invoke(e.InputIndex) ?? e.InputIndex].Line;
            throw new InputException($"line {line}: more than the model's limit of {e.MaxLength} tokens " +
                "(--long-inputs error; truncate or chunk-mean would accept it)");
        }
    }
}

/// <summary>Tells the user, on stderr, which lines were cut to the max length: truncation must never be silent.</summary>
internal sealed class TruncatedLines
{
    private const int Shown = 10;
    private readonly List<int> _first = [];
    private int _count;

    public void Add(int line)
    {
        if (_first.Count < Shown) _first.Add(line);
        _count++;
    }

    /// <summary>One warning line naming the first lines; nothing when none was cut.</summary>
    public void Report(int maxLength)
    {
        if (_count == 0) return;
        _first.Sort();
        string shown = string.Join(", ", _first) + (_count > Shown ? ", …" : "");
        Console.Error.WriteLine($"embedrt: warning: {_count} input(s) longer than {maxLength} tokens were truncated (line {shown}); " +
            "use --long-inputs error or chunk-mean to change this");
    }
}
