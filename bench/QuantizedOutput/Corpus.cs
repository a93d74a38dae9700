using System.Text.Json;

namespace EmbedRt.Bench.QuantizedOutput;

/// <summary>
/// Varied texts from the tokenizer fixtures (every case of the four real vocabularies: English, Chinese,
/// multilingual, code, URLs, …) plus seeded recombinations of their sentences, split into a stored corpus and
/// held-out queries that never appear in it.
/// </summary>
public static class Corpus
{
    public static (string[] Documents, string[] Queries) Build(int documents, int queries, int seed = 11)
    {
        string root = FindFixtures();
        var texts = Directory.GetDirectories(Path.Combine(root, "tokenizers")).OrderBy(d => d, StringComparer.Ordinal)
            .SelectMany(d => File.ReadLines(Path.Combine(d, "cases.jsonl")))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .Where(t => t.Trim().Length > 3 && t.Length < 400)
            .Distinct().ToList();
        var sentences = texts.SelectMany(t => t.Split([". ", "。", "! ", "? "], StringSplitOptions.RemoveEmptyEntries))
            .Select(s => s.Trim()).Where(s => s.Length > 3).Distinct().ToArray();
        var random = new Random(seed);
        var pool = new HashSet<string>(texts);
        while (pool.Count < documents + queries)
        {
            int parts = random.Next(2, 4);
            pool.Add(string.Join(". ", Enumerable.Range(0, parts).Select(_ => sentences[random.Next(sentences.Length)])));
        }
        var shuffled = pool.OrderBy(t => t, StringComparer.Ordinal).OrderBy(_ => random.Next()).ToArray();
        return (shuffled[..documents], shuffled[documents..(documents + queries)]);
    }

    private static string FindFixtures()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(Path.Combine(candidate, "tokenizers"))) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
