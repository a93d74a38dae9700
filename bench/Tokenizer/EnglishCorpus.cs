using System.Text.Json;

namespace EmbedRt.Bench.Tokenizer;

/// <summary>
/// A few hundred KB of English documents: the English fixture texts (tests/fixtures/tokenizers, categories
/// below) recombined into paragraphs by a seeded generator, so every run sees the same corpus.
/// </summary>
public static class EnglishCorpus
{
    private static readonly HashSet<string> s_englishCategories =
        ["ascii_basic", "paragraphs_en", "misc_realistic", "bge_prefixes", "mixed_case", "ascii_punct", "numbers", "urls_emails", "pair"];

    public static string FixturesRoot { get; } = FindFixtures();

    public static string[] Documents(int targetChars = 400_000, int seed = 42)
    {
        var sentences = File.ReadLines(Path.Combine(FixturesRoot, "tokenizers", "bert-base-uncased", "cases.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(c => s_englishCategories.Contains(c.GetProperty("category").GetString()!))
            .Select(c => c.GetProperty("text").GetString()!)
            .Where(t => t.All(ch => ch < 128))
            .SelectMany(t => t.Split(". ", StringSplitOptions.RemoveEmptyEntries))
            .ToArray();
        var random = new Random(seed);
        var documents = new List<string>();
        int total = 0;
        while (total < targetChars)
        {
            int count = random.Next(2, 8);
            var document = string.Join(". ", Enumerable.Range(0, count).Select(_ => sentences[random.Next(sentences.Length)])) + ".";
            documents.Add(document);
            total += document.Length;
        }
        return documents.ToArray();
    }

    /// <summary>tests/fixtures above the binary or above the working directory.</summary>
    private static string FindFixtures()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
                if (Directory.Exists(Path.Combine(candidate, "tokenizers"))) return candidate;
            }
        }
        throw new DirectoryNotFoundException($"tests/fixtures not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }
}
