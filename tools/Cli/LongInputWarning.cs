using EmbedRt.Tokenization;

namespace EmbedRt.Cli;

/// <summary>Tells the user, on stderr, which inputs were cut to the max length: truncation must never be silent.</summary>
internal static class LongInputWarning
{
    public static void Report(ITextTokenizer tokenizer, IReadOnlyList<InputRecord> inputs, int maxLength)
    {
        var lines = new List<int>();
        for (int i = 0; i < inputs.Count; i++)
            if (tokenizer.Encode(inputs[i].Text, inputs[i].Pair).Ids.Length > maxLength) lines.Add(i + 1);
        if (lines.Count == 0) return;
        string shown = string.Join(", ", lines.Take(10)) + (lines.Count > 10 ? ", …" : "");
        Console.Error.WriteLine($"embedrt: warning: {lines.Count} input(s) longer than {maxLength} tokens were truncated (line {shown}); " +
            "use --long-inputs error or chunk-mean to change this");
    }
}
