using System.Text.Json.Nodes;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>tokenizer.json added_tokens flags (normalized, single_word, lstrip) as Hugging Face applies them.</summary>
public sealed class AddedTokenTests
{
    private const int HelloToken = 30522, AbToken = 30523;

    private static readonly Lazy<ITextTokenizer> s_bert = new(() =>
    {
        var source = Path.Combine(Fixtures.Tokenizer("bert-base-uncased"), "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(source))!;
        var added = json["added_tokens"]!.AsArray();
        added.Add(new JsonObject { ["id"] = HelloToken, ["content"] = "HeLLo", ["normalized"] = true, ["special"] = false });
        added.Add(new JsonObject { ["id"] = AbToken, ["content"] = "ab", ["single_word"] = true, ["special"] = false });
        var dir = Fixtures.TempDirectory("added-tokens");
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        return TextTokenizer.Load(dir);
    });

    private static ITextTokenizer Plain => TokenizerFixtures.Vocabulary("bert-base-uncased", TokenizerFixtures.FromTokenizerJson);

    [Fact]
    public void Normalized_token_is_found_in_normalized_text()
    {
        int world = Plain.Encode("world").Ids[1];
        Assert.Equal([101, HelloToken, world, 102], s_bert.Value.Encode("HELLO world").Ids);
    }

    [Fact]
    public void Single_word_token_needs_word_boundaries()
    {
        var bert = s_bert.Value;
        Assert.Equal([101, AbToken, .. Plain.Encode("cd").Ids[1..^1], 102], bert.Encode("ab cd").Ids);
        Assert.Equal(Plain.Encode("xab cd").Ids, bert.Encode("xab cd").Ids);
    }

    [Fact]
    public void Special_tokens_are_reported() =>
        Assert.Equal(new HashSet<int> { 0, 100, 101, 102, 103 }, Plain.SpecialIds.ToHashSet());

    [Fact]
    public void Xlmr_mask_strips_whitespace_on_its_left()
    {
        var xlmr = TokenizerFixtures.Model("xlmr-tiny-m3", TokenizerFixtures.FromTokenizerJson);
        int mask = xlmr.VocabularySize - 1;
        int[] Content(string text) => xlmr.Encode(text).Ids[1..^1];
        Assert.Equal([0, .. Content("a"), mask, .. Content("b"), 2], xlmr.Encode("a   <mask> b").Ids);
        Assert.Equal(1, xlmr.PadId);
    }
}
