using System.Text.Json.Nodes;
using EmbedRt.Loader.Config;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

public class TokenizerConfigTests
{
    [Fact]
    public void Bert_fixture()
    {
        var config = TokenizerConfig.Load(Fixtures.Model("bert-tiny-uncased"));
        Assert.Equal("BertTokenizer", config.TokenizerClass);
        Assert.True(config.DoLowerCase);
        Assert.Null(config.StripAccents);
        Assert.True(config.TokenizeChineseChars);
        Assert.Equal(128, config.ModelMaxLength);
        Assert.Equal(("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"), (config.ClsToken, config.SepToken, config.PadToken, config.UnkToken, config.MaskToken));
        Assert.Null(config.BosToken);
        Assert.Null(config.EosToken);
    }

    [Fact]
    public void Cased_bert_fixture()
    {
        Assert.False(TokenizerConfig.Load(Fixtures.Model("bert-tiny-zh")).DoLowerCase);
    }

    [Theory]
    [InlineData("xlmr-tiny-m3")]
    [InlineData("xlmr-tiny-reranker")]
    public void Xlmr_fixtures_read_object_valued_special_tokens(string model)
    {
        var config = TokenizerConfig.Load(Fixtures.Model(model));
        Assert.Equal("XLMRobertaTokenizer", config.TokenizerClass);
        Assert.Equal(("<s>", "</s>", "<pad>", "<unk>", "<mask>", "<s>", "</s>"),
            (config.ClsToken, config.SepToken, config.PadToken, config.UnkToken, config.MaskToken, config.BosToken, config.EosToken));
        Assert.Null(config.DoLowerCase);
    }

    [Fact]
    public void No_limit_sentinel_reads_as_absent()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        ConfigFiles.Edit(Path.Combine(folder, "tokenizer_config.json"), c => c["model_max_length"] = 1e30);
        Assert.Null(TokenizerConfig.Load(folder).ModelMaxLength);
        ConfigFiles.Edit(Path.Combine(folder, "tokenizer_config.json"), c => c["model_max_length"] = 8192.0);
        Assert.Equal(8192, TokenizerConfig.Load(folder).ModelMaxLength);
    }

    [Fact]
    public void Special_tokens_map_overrides_tokenizer_config()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        ConfigFiles.Edit(Path.Combine(folder, "special_tokens_map.json"), c => c["cls_token"] = new JsonObject { ["content"] = "<cls>" });
        var config = TokenizerConfig.Load(folder);
        Assert.Equal("<cls>", config.ClsToken);
        Assert.Equal("[SEP]", config.SepToken);
    }

    [Fact]
    public void Either_file_may_be_absent()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(folder, "special_tokens_map.json"));
        Assert.Equal("[CLS]", TokenizerConfig.Load(folder).ClsToken);

        File.Delete(Path.Combine(folder, "tokenizer_config.json"));
        var empty = TokenizerConfig.Load(folder);
        Assert.Null(empty.ClsToken);
        Assert.Null(empty.ModelMaxLength);
        Assert.Null(empty.DoLowerCase);
    }

    [Theory]
    [InlineData("tokenizer_config.json", "{\"do_lower_case\": \"yes\"}", "field 'do_lower_case' must be true or false")]
    [InlineData("tokenizer_config.json", "{\"model_max_length\": -5}", "field 'model_max_length' must be a positive integer, got -5")]
    [InlineData("tokenizer_config.json", "{\"model_max_length\": \"512\"}", "field 'model_max_length' must be a number")]
    [InlineData("tokenizer_config.json", "{\"tokenizer_class\": [1]}", "field 'tokenizer_class' must be a string")]
    [InlineData("tokenizer_config.json", "{,}", "not valid JSON")]
    [InlineData("special_tokens_map.json", "{\"cls_token\": 5}", "field 'cls_token' must be a string or an object with a string 'content'")]
    [InlineData("special_tokens_map.json", "{\"mask_token\": {\"lstrip\": true}}", "field 'mask_token' must be a string or an object")]
    [InlineData("special_tokens_map.json", "[\"[CLS]\"]", "expected a JSON object")]
    public void Malformed_file_names_the_file_and_field(string file, string content, string problem)
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(folder, file);
        File.WriteAllText(path, content);
        FormatAssert.Fails(() => TokenizerConfig.Load(folder), path, problem);
    }
}
