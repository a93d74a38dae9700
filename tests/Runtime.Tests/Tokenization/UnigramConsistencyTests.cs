namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// The XLM-R tokenizer built from sentencepiece.bpe.model must equal the one read from the converted
/// tokenizer.json on every fixture text (all 33 categories of the BERT case files).
/// </summary>
public sealed class UnigramConsistencyTests
{
    public static IEnumerable<object[]> Texts() =>
        TokenizerFixtures.VocabularyCases("bert-base-multilingual-cased").Select((c, i) => new object[] { i, c.Category });

    [Theory]
    [MemberData(nameof(Texts))]
    public void Sentencepiece_model_and_tokenizer_json_agree(int index, string category)
    {
        var text = TokenizerFixtures.VocabularyCases("bert-base-multilingual-cased")[index];
        var fromJson = TokenizerFixtures.Model("xlmr-tiny-m3", TokenizerFixtures.FromTokenizerJson).Encode(text.Text, text.Pair);
        var fromModel = TokenizerFixtures.Model("xlmr-tiny-m3", TokenizerFixtures.FromVocabFiles).Encode(text.Text, text.Pair);
        Assert.True(category.Length > 0);
        Assert.Equal(fromJson.Ids, fromModel.Ids);
        Assert.Equal(fromJson.TypeIds, fromModel.TypeIds);
    }
}
