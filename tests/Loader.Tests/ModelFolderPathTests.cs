using System.Text.Json.Nodes;
using EmbedRt.Loader.Config;
using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>Paths one model file gives for another (module folders, shards) must be valid and stay inside the folder.</summary>
public class ModelFolderPathTests
{
    [Fact]
    public void Nul_character_in_a_module_path_is_a_format_error()
    {
        var folder = Fixtures.CopyModel("bert-tiny-uncased");
        var modulesPath = Path.Combine(folder, "modules.json");
        var modules = JsonNode.Parse(File.ReadAllText(modulesPath))!.AsArray();
        modules[1]!["path"] = "1_Pool\0ing";
        File.WriteAllText(modulesPath, modules.ToJsonString());
        FormatAssert.Fails(() => SentenceTransformersConfig.Load(folder), modulesPath, "module '1'");
    }

    [Fact]
    public void Nul_character_in_a_shard_name_is_a_format_error()
    {
        var folder = Fixtures.TempDirectory("nul-shard");
        var index = Path.Combine(folder, SafetensorsCheckpoint.IndexFileName);
        File.WriteAllText(index, """{"weight_map":{"a":"model\u0000.safetensors"}}""");
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(folder), index, "tensor 'a'");
    }
}
