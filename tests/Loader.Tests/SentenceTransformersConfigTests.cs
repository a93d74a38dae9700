using System.Text.Json.Nodes;
using EmbedRt.Loader.Config;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

public class SentenceTransformersConfigTests
{
    [Fact]
    public void Mean_pooling_fixture_with_normalize()
    {
        var config = SentenceTransformersConfig.Load(Fixtures.Model("bert-tiny-uncased"))!;
        Assert.Equal([SentenceTransformersModule.TransformerType, SentenceTransformersModule.PoolingType, SentenceTransformersModule.NormalizeType],
            config.ModuleTypes);
        Assert.Equal("1_Pooling", config.Modules[1].Path);
        Assert.True(config.Normalize);
        var pooling = config.Pooling!;
        Assert.Equal(64, pooling.WordEmbeddingDimension);
        Assert.True(pooling.PoolingModeMeanTokens);
        Assert.False(pooling.PoolingModeClsToken);
        Assert.True(pooling.IncludePrompt);
        Assert.Equal(128, config.MaxSeqLength);
        Assert.False(config.DoLowerCase);
        Assert.Empty(config.Prompts);
        Assert.Null(config.DefaultPromptName);
    }

    [Theory]
    [InlineData("bert-tiny-zh", 48, 64)]
    [InlineData("xlmr-tiny-m3", 64, 128)]
    public void Cls_pooling_fixtures(string model, int dimension, int maxSeqLength)
    {
        var config = SentenceTransformersConfig.Load(Fixtures.Model(model))!;
        Assert.True(config.Pooling!.PoolingModeClsToken);
        Assert.False(config.Pooling.PoolingModeMeanTokens);
        Assert.Equal(dimension, config.Pooling.WordEmbeddingDimension);
        Assert.Equal(maxSeqLength, config.MaxSeqLength);
        Assert.True(config.Normalize);
    }

    [Fact]
    public void Folder_without_modules_json_has_no_sentence_transformers_config()
    {
        Assert.Null(SentenceTransformersConfig.Load(Fixtures.Model("xlmr-tiny-reranker")));
    }

    [Fact]
    public void Optional_files_may_be_absent_and_normalize_may_be_unlisted()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(folder, "sentence_bert_config.json"));
        File.Delete(Path.Combine(folder, "config_sentence_transformers.json"));
        var modules = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "modules.json")))!.AsArray();
        modules.RemoveAt(2);
        File.WriteAllText(Path.Combine(folder, "modules.json"), modules.ToJsonString());

        var config = SentenceTransformersConfig.Load(folder)!;
        Assert.False(config.Normalize);
        Assert.Null(config.MaxSeqLength);
        Assert.Empty(config.Prompts);
        Assert.NotNull(config.Pooling);
    }

    [Fact]
    public void Prompts_and_default_prompt_and_lower_casing()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        ConfigFiles.Edit(Path.Combine(folder, "config_sentence_transformers.json"), c =>
        {
            c["prompts"] = new JsonObject { ["query"] = "query: ", ["passage"] = "passage: " };
            c["default_prompt_name"] = "query";
        });
        ConfigFiles.Edit(Path.Combine(folder, "sentence_bert_config.json"), c => { c["do_lower_case"] = true; c["max_seq_length"] = 512; });
        ConfigFiles.Edit(Path.Combine(folder, "1_Pooling", "config.json"), c => { c["include_prompt"] = false; c["pooling_mode_max_tokens"] = true; });

        var config = SentenceTransformersConfig.Load(folder)!;
        Assert.Equal(new Dictionary<string, string> { ["query"] = "query: ", ["passage"] = "passage: " }, config.Prompts);
        Assert.Equal("query", config.DefaultPromptName);
        Assert.True(config.DoLowerCase);
        Assert.Equal(512, config.MaxSeqLength);
        Assert.False(config.Pooling!.IncludePrompt);
        Assert.True(config.Pooling.PoolingModeMaxTokens);
    }

    [Fact]
    public void Pooling_path_is_taken_from_modules_json()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        Directory.Move(Path.Combine(folder, "1_Pooling"), Path.Combine(folder, "pool"));
        var modulesPath = Path.Combine(folder, "modules.json");
        var modules = JsonNode.Parse(File.ReadAllText(modulesPath))!.AsArray();
        modules[1]!["path"] = "pool";
        File.WriteAllText(modulesPath, modules.ToJsonString());
        Assert.True(SentenceTransformersConfig.Load(folder)!.Pooling!.PoolingModeMeanTokens);
    }

    private static void AssertFileFails(string folder, string relativePath, string content, params string[] problem)
    {
        var path = Path.Combine(folder, relativePath);
        File.WriteAllText(path, content);
        FormatAssert.Fails(() => SentenceTransformersConfig.Load(folder), path, problem);
    }

    [Theory]
    [InlineData("[{\"type\": ", "not valid JSON")]
    [InlineData("{\"type\": \"x\"}", "expected a JSON list of modules, found a JSON Object")]
    [InlineData("[3]", "module [0] is a JSON Number, not an object")]
    [InlineData("[{\"path\": \"\"}]", "field '[0].type' is missing")]
    [InlineData("[{\"type\": \"sentence_transformers.models.Pooling\", \"path\": \"../elsewhere\"}]", "not a folder inside the model folder")]
    public void Bad_modules_json(string content, string problem) =>
        AssertFileFails(Fixtures.CopyModel("bert-tiny-uncased"), "modules.json", content, problem);

    [Theory]
    [InlineData("{\"pooling_mode_mean_tokens\": true}", "field 'word_embedding_dimension' is missing")]
    [InlineData("{\"word_embedding_dimension\": 64}", "no pooling_mode_* field is true")]
    [InlineData("{\"word_embedding_dimension\": 64, \"pooling_mode_mean_tokens\": \"yes\"}", "field 'pooling_mode_mean_tokens' must be true or false")]
    [InlineData("{\"word_embedding_dimension\": 64,", "not valid JSON")]
    public void Bad_pooling_config(string content, string problem) =>
        AssertFileFails(Fixtures.CopyModel("bert-tiny-uncased"), Path.Combine("1_Pooling", "config.json"), content, problem);

    [Fact]
    public void Listed_pooling_module_without_config()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(folder, "1_Pooling", "config.json");
        File.Delete(path);
        FormatAssert.Fails(() => SentenceTransformersConfig.Load(folder), path, "file not found");
    }

    [Theory]
    [InlineData("{\"max_seq_length\": -1}", "field 'max_seq_length' must be a positive integer, got -1")]
    [InlineData("{\"do_lower_case\": 1}", "field 'do_lower_case' must be true or false, got 1")]
    [InlineData("[]", "expected a JSON object")]
    public void Bad_sentence_bert_config(string content, string problem) =>
        AssertFileFails(Fixtures.CopyModel("bert-tiny-uncased"), "sentence_bert_config.json", content, problem);

    [Theory]
    [InlineData("{\"prompts\": {\"query\": 1}}", "field 'prompts' must be an object of strings, but 'query' is 1")]
    [InlineData("{\"prompts\": {}, \"default_prompt_name\": \"query\"}", "field 'default_prompt_name' 'query' is not one of the prompts")]
    [InlineData("{\"prompts\": ", "not valid JSON")]
    public void Bad_config_sentence_transformers(string content, string problem) =>
        AssertFileFails(Fixtures.CopyModel("bert-tiny-uncased"), "config_sentence_transformers.json", content, problem);
}
