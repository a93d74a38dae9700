using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>A malformed model.safetensors.index.json fails with a <see cref="ModelFormatException"/> naming the index and the problem.</summary>
public class BadShardIndexTests
{
    private static readonly KeyValuePair<string, TensorData>[] TwoTensors =
    [
        new("a", TensorData.FromFloats([1f, 2f], [2])),
        new("b", TensorData.FromFloats([3f], [1])),
    ];

    /// <summary>A valid two-shard checkpoint (a in shard 1, b in shard 2) whose index the test then replaces.</summary>
    private static string ShardedFolder()
    {
        var folder = Fixtures.TempDirectory("bad-index");
        SafetensorsWriter.WriteSharded(folder, TwoTensors, maxShardBytes: 8);
        return folder;
    }

    private static void AssertIndexFails(string folder, string indexJson, params string[] problemFragments)
    {
        var indexPath = Path.Combine(folder, SafetensorsCheckpoint.IndexFileName);
        File.WriteAllText(indexPath, indexJson);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(folder).Dispose(), indexPath, problemFragments);
    }

    [Fact]
    public void Valid_two_shard_layout_opens()
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(ShardedFolder());
        Assert.Equal(2, checkpoint.Files.Count);
        Assert.Equal([3f], checkpoint.ReadFloat("b", 1).Data.ToArray());
    }

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[]", "is a JSON Array, not an object")]
    [InlineData("""{"metadata":{}}""", "has no weight_map")]
    [InlineData("""{"weight_map":["a"]}""", "weight_map is a JSON Array, not an object")]
    [InlineData("""{"weight_map":{}}""", "weight_map lists no tensors")]
    [InlineData("""{"weight_map":{"a":3}}""", "weight_map entry for tensor 'a' is not a file name")]
    [InlineData("""{"weight_map":{"a":"model-00001-of-00002.safetensors","a":"model-00001-of-00002.safetensors"}}""", "names tensor 'a' twice")]
    [InlineData("""{"weight_map":{"a":"../model-00001-of-00002.safetensors"}}""", "not a file in the model folder")]
    [InlineData("""{"weight_map":{"a":"model-00009-of-00009.safetensors"}}""", "shard 'model-00009-of-00009.safetensors' (for tensor 'a') not found")]
    [InlineData("""{"weight_map":{"a":"model-00002-of-00002.safetensors"}}""", "tensor 'a' is mapped to shard 'model-00002-of-00002.safetensors', which does not contain it")]
    [InlineData("""{"weight_map":{"zzz":"model-00001-of-00002.safetensors"}}""", "tensor 'zzz' is mapped to shard 'model-00001-of-00002.safetensors'")]
    public void Bad_index(string indexJson, string problem) => AssertIndexFails(ShardedFolder(), indexJson, problem);

    [Fact]
    public void Tensor_in_two_shards()
    {
        var folder = ShardedFolder();
        SafetensorsWriter.Write(Path.Combine(folder, "model-00002-of-00002.safetensors"), TwoTensors);
        AssertIndexFails(folder, """{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}""",
            "tensor 'a' is in both 'model-00001-of-00002.safetensors' and 'model-00002-of-00002.safetensors'");
    }

    [Fact]
    public void Malformed_shard_names_the_shard()
    {
        var folder = ShardedFolder();
        var shard = Path.Combine(folder, "model-00002-of-00002.safetensors");
        File.WriteAllBytes(shard, [1, 2, 3]);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(folder).Dispose(), shard, "too short");
    }
}
