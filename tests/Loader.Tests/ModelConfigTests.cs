using System.Text.Json.Nodes;
using EmbedRt.Loader.Config;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

public class ModelConfigTests
{
    [Fact]
    public void Bert_uncased_fixture()
    {
        var config = ModelConfig.Load(Path.Combine(Fixtures.Model("bert-tiny-uncased"), "config.json"));
        Assert.Equal("bert", config.ModelType);
        Assert.Equal(["BertModel"], config.Architectures);
        Assert.Equal((64, 2, 4, 136), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.IntermediateSize));
        Assert.Equal(16, config.HeadSize);
        Assert.Equal((128, 2, 3255, 0), (config.MaxPositionEmbeddings, config.TypeVocabSize, config.VocabSize, config.PadTokenId));
        Assert.Equal(1e-12, config.LayerNormEps);
        Assert.Equal("gelu", config.HiddenAct);
        Assert.Equal(HiddenActivation.GeluErf, config.Activation);
        Assert.False(config.UsesPaddingOffsetPositions);
        Assert.Equal(128, config.MaxInputTokens);
        Assert.Empty(config.Id2Label);
    }

    [Fact]
    public void Bert_zh_fixture()
    {
        var config = ModelConfig.Load(Path.Combine(Fixtures.Model("bert-tiny-zh"), "config.json"));
        Assert.Equal((48, 3, 3, 100, 64, 9683), (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads,
            config.IntermediateSize, config.MaxPositionEmbeddings, config.VocabSize));
        Assert.Equal(["BertForMaskedLM"], config.Architectures);
    }

    [Fact]
    public void Xlmr_m3_fixture()
    {
        var config = ModelConfig.Load(Path.Combine(Fixtures.Model("xlmr-tiny-m3"), "config.json"));
        Assert.Equal("xlm-roberta", config.ModelType);
        Assert.Equal((1, 1, 130, 1e-5), (config.TypeVocabSize, config.PadTokenId, config.MaxPositionEmbeddings, config.LayerNormEps));
        Assert.True(config.UsesPaddingOffsetPositions);
        Assert.Equal(128, config.MaxInputTokens);
    }

    [Fact]
    public void Xlmr_reranker_fixture_reads_id2label()
    {
        var config = ModelConfig.Load(Path.Combine(Fixtures.Model("xlmr-tiny-reranker"), "config.json"));
        Assert.Equal(["XLMRobertaForSequenceClassification"], config.Architectures);
        Assert.Equal(32, config.HiddenSize);
        Assert.Equal(new Dictionary<string, string> { ["0"] = "LABEL_0" }, config.Id2Label);
    }

    private static string EditedConfig(Action<JsonObject> edit)
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        return ConfigFiles.Edit(Path.Combine(folder, "config.json"), edit);
    }

    [Theory]
    [InlineData("gelu", HiddenActivation.GeluErf)]
    [InlineData("gelu_python", HiddenActivation.GeluErf)]
    [InlineData("gelu_new", HiddenActivation.GeluTanh)]
    [InlineData("gelu_pytorch_tanh", HiddenActivation.GeluTanh)]
    [InlineData("gelu_fast", HiddenActivation.GeluTanh)]
    [InlineData("relu", HiddenActivation.Relu)]
    public void Supported_activations(string hiddenAct, HiddenActivation expected)
    {
        var config = ModelConfig.Load(EditedConfig(c => c["hidden_act"] = hiddenAct));
        Assert.Equal(expected, config.Activation);
        Assert.Equal(hiddenAct, config.HiddenAct);
    }

    [Fact]
    public void Optional_fields_take_defaults_when_absent_or_null()
    {
        var config = ModelConfig.Load(EditedConfig(c =>
        {
            foreach (var key in new[] { "hidden_act", "layer_norm_eps", "type_vocab_size", "architectures", "position_embedding_type" })
                c.Remove(key);
            c["pad_token_id"] = null;
        }));
        Assert.Equal((HiddenActivation.GeluErf, 1e-12, 2, 0), (config.Activation, config.LayerNormEps, config.TypeVocabSize, config.PadTokenId));
        Assert.Equal("absolute", config.PositionEmbeddingType);
        Assert.Empty(config.Architectures);
    }

    [Fact]
    public void Roberta_model_type_is_supported()
    {
        Assert.Equal("roberta", ModelConfig.Load(EditedConfig(c => { c["model_type"] = "roberta"; c["pad_token_id"] = 1; })).ModelType);
    }

    public static TheoryData<string, string, string> BadConfigs() => new()
    {
        { "model_type", "\"gpt2\"", "unsupported model_type 'gpt2'" },
        { "model_type", "null", "field 'model_type' is missing" },
        { "model_type", "3", "field 'model_type' must be a string, got 3" },
        { "hidden_act", "\"swish\"", "field 'hidden_act' names unsupported activation 'swish'" },
        { "position_embedding_type", "\"relative_key\"", "field 'position_embedding_type' is 'relative_key'; only 'absolute' is supported" },
        { "hidden_size", "null", "field 'hidden_size' is missing" },
        { "hidden_size", "0", "field 'hidden_size' must be a positive integer, got 0" },
        { "hidden_size", "66", "field 'hidden_size' 66 is not divisible by num_attention_heads 4" },
        { "hidden_size", "\"64\"", "field 'hidden_size' must be an integer, got \"64\"" },
        { "hidden_size", "64.5", "field 'hidden_size' must be an integer, got 64.5" },
        { "num_hidden_layers", "-2", "field 'num_hidden_layers' must be a positive integer, got -2" },
        { "num_attention_heads", "0", "field 'num_attention_heads' must be a positive integer" },
        { "intermediate_size", "null", "field 'intermediate_size' is missing" },
        { "max_position_embeddings", "1e10", "field 'max_position_embeddings' must be a positive integer" },
        { "vocab_size", "0", "field 'vocab_size' must be a positive integer" },
        { "type_vocab_size", "0", "field 'type_vocab_size' must be a positive integer" },
        { "pad_token_id", "5000", "field 'pad_token_id' 5000 is outside the vocabulary of 3255 tokens" },
        { "pad_token_id", "-1", "field 'pad_token_id' -1 is outside the vocabulary" },
        { "layer_norm_eps", "0", "field 'layer_norm_eps' must be positive, got 0" },
        { "layer_norm_eps", "\"tiny\"", "field 'layer_norm_eps' must be a number" },
        { "architectures", "\"BertModel\"", "field 'architectures' must be a list of strings" },
        { "id2label", "[\"a\"]", "field 'id2label' must be an object of strings" },
        { "id2label", "{\"x\":\"LABEL\"}", "field 'id2label' has key 'x' that is not a class index" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void Bad_field_names_the_file_and_field(string field, string jsonValue, string problem)
    {
        var path = EditedConfig(c => c[field] = JsonNode.Parse(jsonValue));
        FormatAssert.Fails(() => ModelConfig.Load(path), path, problem);
    }

    [Fact]
    public void Xlmr_position_table_must_exceed_the_padding_offset()
    {
        var path = EditedConfig(c => { c["model_type"] = "xlm-roberta"; c["pad_token_id"] = 1; c["max_position_embeddings"] = 2; });
        FormatAssert.Fails(() => ModelConfig.Load(path), path, "field 'max_position_embeddings' 2 leaves no positions");
    }

    [Theory]
    [InlineData("{\"model_type\": \"bert\",", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object, found a JSON Array")]
    [InlineData("", "not valid JSON")]
    public void Malformed_file(string content, string problem)
    {
        var path = Path.Combine(Fixtures.TempDirectory("bad-config"), "config.json");
        File.WriteAllText(path, content);
        FormatAssert.Fails(() => ModelConfig.Load(path), path, problem);
    }

    [Fact]
    public void Invalid_utf8_is_an_error_and_a_byte_order_mark_is_not()
    {
        var path = Path.Combine(Fixtures.CopyModel("bert-tiny-uncased"), "config.json");
        var text = File.ReadAllBytes(path);
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. text]);
        Assert.Equal(64, ModelConfig.Load(path).HiddenSize);

        File.WriteAllBytes(path, [.. "{\"model_type\": \"b"u8, 0xC3, .. "\"}"u8]);
        FormatAssert.Fails(() => ModelConfig.Load(path), path, "not valid UTF-8");
    }

    [Fact]
    public void Missing_file()
    {
        var path = Path.Combine(Fixtures.TempDirectory("no-config"), "config.json");
        FormatAssert.Fails(() => ModelConfig.Load(path), path, "file not found");
    }
}
