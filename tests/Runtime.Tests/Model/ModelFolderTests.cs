using EmbedRt.Loader;
using EmbedRt.TestKit;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>What the sentence-transformers files of a folder change, and what they may not silently change.</summary>
public class ModelFolderTests
{
    [Fact]
    public void DoLowerCaseInSentenceBertConfigLowerCasesInputs()
    {
        var dir = Fixtures.CopyModel("bert-tiny-zh");
        using (var cased = EmbeddingModel.Load(dir))
            Assert.NotEqual(cased.Embed(["Hello World"])[0], cased.Embed(["hello world"])[0]);
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 64, "do_lower_case": true}""");
        using var lowered = EmbeddingModel.Load(dir);
        Assert.Equal(lowered.Embed(["hello world"])[0], lowered.Embed(["Hello World"])[0]);
    }

    [Fact]
    public void UnsupportedModuleIsRefusedByName()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var modulesPath = Path.Combine(dir, "modules.json");
        File.WriteAllText(modulesPath, File.ReadAllText(modulesPath).Replace("sentence_transformers.models.Normalize", "sentence_transformers.models.Dense"));
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Contains("modules.json", error.Message);
        Assert.Contains("sentence_transformers.models.Dense", error.Message);
    }

    [Fact]
    public void MaxSeqLengthLimitsInputs()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 16}""");
        using var model = EmbeddingModel.Load(dir);
        Assert.Equal(16, model.MaxLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingModel.Load(dir, new EmbeddingOptions { MaxLength = 1000 }));
    }
}
