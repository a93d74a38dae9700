using System.Diagnostics;
using System.Text;
using EmbedRt.Tokenization;
using Xunit.Abstractions;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// Every Unicode scalar value c, as "a" + c + "b" and alone, through each sweep configuration, against the ids
/// Hugging Face tokenizers gives (tests/fixtures/unicode): 0 differences allowed.
/// </summary>
public sealed class UnicodeSweepTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => UnicodeSweepData.Configurations.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_scalar_value_matches_hugging_face(string configuration)
    {
        var clock = Stopwatch.StartNew();
        var processor = Process.GetCurrentProcess().TotalProcessorTime;
        var expected = UnicodeSweepData.Read(configuration);
        var tokenizer = UnicodeSweepData.Tokenizer(configuration);
        var scalars = UnicodeSweepData.Scalars;
        var differences = new List<string>();
        int differingScalars = 0;
        const int Chunk = 1 << 14;
        Parallel.For(0, (scalars.Length + Chunk - 1) / Chunk, chunk =>
        {
            var buffer = new TokenBuffer();
            Span<char> text = stackalloc char[4];
            var found = new List<string>();
            int count = 0;
            for (int i = chunk * Chunk; i < Math.Min(scalars.Length, (chunk + 1) * Chunk); i++)
            {
                int length = new Rune(scalars[i]).EncodeToUtf16(text[1..]);
                text[0] = 'a';
                text[length + 1] = 'b';
                bool differs = false;
                if (!Matches(tokenizer, text[..(length + 2)], expected[2 * i], buffer, out var between))
                {
                    differs = true;
                    found.Add($"U+{scalars[i]:X4} as a+c+b: expected [{string.Join(' ', expected[2 * i].ToArray())}] got [{between}]");
                }
                if (!Matches(tokenizer, text.Slice(1, length), expected[2 * i + 1], buffer, out var alone))
                {
                    differs = true;
                    found.Add($"U+{scalars[i]:X4} alone: expected [{string.Join(' ', expected[2 * i + 1].ToArray())}] got [{alone}]");
                }
                if (differs) count++;
            }
            lock (differences)
            {
                differences.AddRange(found);
                differingScalars += count;
            }
        });
        output.WriteLine($"{configuration}: {differingScalars} differing scalar values of {scalars.Length} in {clock.ElapsedMilliseconds} ms " +
            $"({(Process.GetCurrentProcess().TotalProcessorTime - processor).TotalMilliseconds:F0} ms CPU of the whole test process)");
        differences.Sort(StringComparer.Ordinal);
        foreach (var line in differences.Take(40)) output.WriteLine(line);
        Assert.True(differingScalars == 0,
            $"{configuration}: {differingScalars} scalar values differ from Hugging Face; first: {string.Join("; ", differences.Take(10))}");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Accented_texts_in_nfc_and_nfd_match_hugging_face(string configuration)
    {
        var (texts, allIds) = UnicodeSweepData.ReadAccented();
        var ids = allIds[UnicodeSweepData.ExpectedName(configuration)];
        var tokenizer = UnicodeSweepData.Tokenizer(configuration);
        var buffer = new TokenBuffer();
        var differences = new List<string>();
        for (int i = 0; i < texts.Length; i++)
        {
            if (!Matches(tokenizer, texts[i], ids[i], buffer, out var actual))
                differences.Add($"\"{Escape(texts[i])}\": expected [{string.Join(' ', ids[i])}] got [{actual}]");
        }
        output.WriteLine($"{configuration}: {differences.Count} of {texts.Length} texts differ");
        foreach (var line in differences.Take(40)) output.WriteLine(line);
        Assert.True(differences.Count == 0, $"{configuration}: {differences.Count} texts differ; first: {string.Join("; ", differences.Take(5))}");
    }

    /// <summary>Compares the ids between the special tokens Encode adds (one on each side) with the expected ids.</summary>
    private static bool Matches(ITextTokenizer tokenizer, ReadOnlySpan<char> text, ReadOnlySpan<int> expected, TokenBuffer buffer, out string actual)
    {
        tokenizer.Encode(text, buffer);
        var ids = buffer.Ids;
        bool match = ids.Length == expected.Length + 2 && ids[1..^1].SequenceEqual(expected);
        actual = match ? "" : string.Join(' ', ids.ToArray());
        return match;
    }

    private static string Escape(string text) =>
        string.Concat(text.EnumerateRunes().Select(r => r.Value is >= 0x20 and < 0x7F ? r.ToString() : $"\\u{{{r.Value:X}}}"));
}
