using System.IO.Compression;
using System.Text;
using System.Text.Json;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unicode;
using EmbedRt.Tokenization.Unigram;
using EmbedRt.Tokenization.WordPiece;
using Xunit.Abstractions;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// Each normalizer step and the BERT pre-tokenizer's character classes, on every Unicode scalar value alone,
/// against what Hugging Face tokenizers does (tests/fixtures/unicode/hf-char-classes.json.gz, made by
/// tools/unicodegen/hf-char-classes.mjs), and added tokens' word characters (single_word). Pins the generated tables one step at a time, where the id sweep sees
/// only whole pipelines, and covers the Lowercase / NFD / StripAccents normalizers no sweep vocabulary uses.
/// </summary>
public sealed class UnicodeCharacterTableTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonElement> s_classes = new(() =>
    {
        using var file = File.OpenRead(Path.Combine(UnicodeSweepData.Folder, "hf-char-classes.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return JsonDocument.Parse(gzip).RootElement;
    });

    [Theory]
    [InlineData("cleanText")]
    [InlineData("handleChineseChars")]
    [InlineData("stripAccents")]
    [InlineData("lowercase")]
    [InlineData("Lowercase")]
    [InlineData("NFD")]
    [InlineData("StripAccents")]
    public void Normalizer_step_matches_hugging_face_on_every_scalar_value(string step)
    {
        var expected = s_classes.Value.GetProperty("normalizer").GetProperty(step);
        var removed = Ranges(expected.GetProperty("removed"));
        var space = Ranges(expected.GetProperty("space"));
        var spaced = Ranges(expected.GetProperty("spaced"));
        var mapped = expected.GetProperty("other").EnumerateObject().ToDictionary(p => int.Parse(p.Name),
            p => string.Concat(p.Value.EnumerateArray().Select(c => char.ConvertFromUtf32(c.GetInt32()))));
        var apply = Step(step);
        var workspace = new Workspace();
        var result = new GrowableList<char>();
        var differences = new List<string>();
        foreach (int c in UnicodeSweepData.Scalars)
        {
            string text = char.ConvertFromUtf32(c);
            string want = removed.Contains(c) ? "" : space.Contains(c) ? " " : spaced.Contains(c) ? $" {text} "
                : mapped.TryGetValue(c, out var other) ? other : text;
            apply(text, workspace, result);
            string got = new(result.Span);
            if (got != want) differences.Add($"U+{c:X4}: expected {Hex(want)} got {Hex(got)}");
        }
        foreach (var line in differences.Take(40)) output.WriteLine(line);
        Assert.True(differences.Count == 0, $"{step}: {differences.Count} scalar values differ; first: {string.Join("; ", differences.Take(10))}");
    }

    [Fact]
    public void Bert_pre_tokenizer_classes_match_hugging_face_on_every_scalar_value()
    {
        var preTokenizer = s_classes.Value.GetProperty("preTokenizer");
        var whitespace = Ranges(preTokenizer.GetProperty("whitespace"));
        var punctuation = Ranges(preTokenizer.GetProperty("punctuation"));
        var differences = new List<string>();
        foreach (int c in UnicodeSweepData.Scalars)
        {
            string want = whitespace.Contains(c) ? "whitespace" : punctuation.Contains(c) ? "punctuation" : "letter";
            string got = CharClass.IsWhitespace(c) ? "whitespace" : CharClass.IsBertPunctuation(c) ? "punctuation" : "letter";
            if (got != want) differences.Add($"U+{c:X4}: expected {want} got {got}");
        }
        Assert.True(differences.Count == 0, $"{differences.Count} scalar values differ; first: {string.Join("; ", differences.Take(10))}");
    }

    [Fact]
    public void Added_token_word_characters_match_hugging_face_on_every_scalar_value()
    {
        var word = Ranges(s_classes.Value.GetProperty("addedTokens").GetProperty("wordCharacters"));
        var differences = UnicodeSweepData.Scalars.Where(c => CharClass.IsWordChar(c) != word.Contains(c))
            .Select(c => $"U+{c:X4}: expected {(word.Contains(c) ? "word" : "not word")}").ToList();
        Assert.True(differences.Count == 0, $"{differences.Count} scalar values differ; first: {string.Join("; ", differences.Take(10))}");
    }

    private delegate void StepFunction(string text, Workspace workspace, GrowableList<char> output);

    private static StepFunction Step(string step)
    {
        if (step is "Lowercase" or "NFD" or "StripAccents")
        {
            NormalizerStep normalizer = step switch
            {
                "Lowercase" => new NormalizerStep.Lowercase(),
                "NFD" => new NormalizerStep.Nfd(),
                _ => new NormalizerStep.StripAccents(),
            };
            return (text, workspace, output) => normalizer.Apply(text, workspace, output);
        }
        var bert = new BertNormalizer(new BertNormalizerOptions(
            CleanText: step == "cleanText", HandleChineseChars: step == "handleChineseChars",
            StripAccents: step == "stripAccents", Lowercase: step == "lowercase"));
        return (text, workspace, output) => bert.Normalize(text, workspace, output);
    }

    private static HashSet<int> Ranges(JsonElement ranges)
    {
        var set = new HashSet<int>();
        foreach (var range in ranges.EnumerateArray())
            for (int c = range[0].GetInt32(); c <= range[1].GetInt32(); c++) set.Add(c);
        return set;
    }

    private static string Hex(string text) => "[" + string.Join(' ', text.EnumerateRunes().Select(r => $"{r.Value:X4}")) + "]";
}
