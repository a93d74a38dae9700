using System.Collections.Concurrent;
using System.Text.Json;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>One expected encoding from tests/fixtures (produced by Hugging Face tokenizers / sentencepiece).</summary>
public sealed record ExpectedEncoding(string Text, string? Pair, int[] Ids, int[]? TypeIds, string Category);

/// <summary>Loads fixture tokenizers once per process and reads the expected encodings.</summary>
public static class TokenizerFixtures
{
    public static readonly string[] Vocabularies = ["bert-base-uncased", "bert-base-chinese", "baai-bge-small-en", "bert-base-multilingual-cased"];

    /// <summary>How a tokenizer is loaded: from tokenizer.json, or from the files a slow tokenizer reads.</summary>
    public const string FromTokenizerJson = "tokenizer.json", FromVocabFiles = "vocab.txt";

    private static readonly ConcurrentDictionary<string, ITextTokenizer> s_tokenizers = new();
    private static readonly ConcurrentDictionary<string, IReadOnlyList<ExpectedEncoding>> s_cases = new();

    /// <summary>The tokenizer of a vocabulary folder, loaded from tokenizer.json or from a copy without it.</summary>
    public static ITextTokenizer Vocabulary(string name, string source) =>
        s_tokenizers.GetOrAdd($"vocab:{name}:{source}", _ => TextTokenizer.Load(source == FromTokenizerJson
            ? Fixtures.Tokenizer(name) : CopyWithout(Fixtures.Tokenizer(name), "tokenizer.json")));

    /// <summary>The tokenizer of a tiny model folder; <paramref name="source"/> names the file it must come from.</summary>
    public static ITextTokenizer Model(string name, string source) =>
        s_tokenizers.GetOrAdd($"model:{name}:{source}", _ => TextTokenizer.Load(source == FromTokenizerJson
            ? Fixtures.Model(name) : CopyWithout(Fixtures.Model(name), "tokenizer.json")));

    public static IReadOnlyList<ExpectedEncoding> VocabularyCases(string name) =>
        s_cases.GetOrAdd("vocab:" + name, _ => File.ReadLines(Path.Combine(Fixtures.Tokenizer(name), "cases.jsonl"))
            .Where(line => line.Length > 0).Select(line =>
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                return new ExpectedEncoding(root.GetProperty("text").GetString()!,
                    root.TryGetProperty("pair", out var pair) ? pair.GetString() : null,
                    Ints(root.GetProperty("ids")), Ints(root.GetProperty("type_ids")), root.GetProperty("category").GetString()!);
            }).ToList());

    public static IReadOnlyList<ExpectedEncoding> ModelCases(string name) =>
        s_cases.GetOrAdd("model:" + name, _ =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixtures.ModelReference(name)));
            return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ExpectedEncoding(
                c.GetProperty("text").GetString()!,
                c.TryGetProperty("pair", out var pair) && pair.ValueKind == JsonValueKind.String ? pair.GetString() : null,
                Ints(c.GetProperty("input_ids")),
                c.TryGetProperty("token_type_ids", out var types) ? Ints(types) : null, "reference")).ToList();
        });

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static string CopyWithout(string source, string excluded)
    {
        var target = Fixtures.TempDirectory(Path.GetFileName(source));
        foreach (var file in Directory.EnumerateFiles(source))
        {
            if (Path.GetFileName(file) is var name && name != excluded && !name.EndsWith(".safetensors") && name != "cases.jsonl")
                File.Copy(file, Path.Combine(target, name));
        }
        return target;
    }
}
