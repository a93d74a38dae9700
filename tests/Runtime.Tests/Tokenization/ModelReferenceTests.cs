namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>input_ids (and token_type_ids) of the tiny models' reference files, with each way of loading.</summary>
public sealed class ModelReferenceTests
{
    private static readonly string[] s_models = ["xlmr-tiny-m3", "xlmr-tiny-reranker", "bert-tiny-uncased", "bert-tiny-zh"];

    public static IEnumerable<object[]> Cases() =>
        from model in s_models
        from source in new[] { TokenizerFixtures.FromTokenizerJson, TokenizerFixtures.FromVocabFiles }
        from index in Enumerable.Range(0, TokenizerFixtures.ModelCases(model).Count)
        select new object[] { model, source, index };

    /// <param name="source">tokenizer.json, or the folder without it (vocab.txt for BERT, sentencepiece.bpe.model for XLM-R).</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_input_ids(string model, string source, int index)
    {
        var expected = TokenizerFixtures.ModelCases(model)[index];
        var actual = TokenizerFixtures.Model(model, source).Encode(expected.Text, expected.Pair);
        Assert.Equal(expected.Ids, actual.Ids);
        if (expected.TypeIds is not null) Assert.Equal(expected.TypeIds, actual.TypeIds);
    }
}
