using System.Buffers;
using System.Runtime.InteropServices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>
/// Reads the fixture checkpoints. Expected element values were decoded independently with Python's struct module
/// from the fixture files (tests/fixtures/models, see PROVENANCE.md).
/// </summary>
public class FixtureCheckpointTests
{
    [Fact]
    public void F32_checkpoint_reads_shapes_and_values_without_copying()
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(Fixtures.Model("bert-tiny-uncased"));

        Assert.Equal(39, checkpoint.Tensors.Count);
        Assert.Equal("pt", checkpoint.Metadata["format"]);
        var words = checkpoint.ReadFloat("embeddings.word_embeddings.weight", 3255, 64);
        Assert.Equal([3255, 64], words.Shape);
        Assert.Equal(0f, words.Data.Span[0]);
        Assert.Equal(0.7840564846992493f, words.Data.Span[64]);
        Assert.Equal(-0.46884092688560486f, words.Data.Span[^1]);
        // Aligned F32 data is served straight from the map, not from a managed array.
        Assert.False(MemoryMarshal.TryGetArray(words.Data, out _));
        Assert.True(MemoryMarshal.TryGetMemoryManager<float, MemoryManager<float>>(words.Data, out _));
        Assert.Equal([136, 64], checkpoint.ReadFloat("encoder.layer.1.intermediate.dense.weight", 136, 64).Shape);
    }

    [Fact]
    public void F16_checkpoint_with_prefix_converts_values_and_keeps_the_int64_tensor_in_the_header()
    {
        var folder = Fixtures.Model("bert-tiny-zh");
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(folder);

        var words = checkpoint.ReadFloat("bert.embeddings.word_embeddings.weight", 9683, 48);
        Assert.Equal(0.137939453125f, words.Data.Span[48]);
        Assert.Equal(0.448974609375f, words.Data.Span[^1]);
        Assert.Equal(9683 * 48, words.Data.Length);
        Assert.True(checkpoint.Contains("cls.predictions.bias"));

        var positionIds = checkpoint.Tensors["bert.embeddings.position_ids"];
        Assert.Equal(TensorDType.I64, positionIds.DType);
        Assert.Equal([1L, 64L], positionIds.Shape);
        Assert.Equal(64, positionIds.ElementCount);
        FormatAssert.Fails(() => checkpoint.ReadFloat("bert.embeddings.position_ids", 1, 64),
            Path.Combine(folder, "model.safetensors"), "'bert.embeddings.position_ids'", "I64", "cannot be read as float");
    }

    [Fact]
    public void BF16_checkpoint_converts_values()
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(Fixtures.Model("xlmr-tiny-m3"));

        var words = checkpoint.ReadFloat("embeddings.word_embeddings.weight", 1002, 64);
        Assert.Equal(-0.51171875f, words.Data.Span[0]);
        Assert.Equal(-0.060302734375f, words.Data.Span[1]);
        Assert.Equal(-0.408203125f, words.Data.Span[^1]);
        Assert.All(checkpoint.Tensors.Values, t => Assert.Equal(TensorDType.BF16, t.DType));
    }

    [Fact]
    public void Reranker_checkpoint_has_roberta_prefix_and_classifier()
    {
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(Fixtures.Model("xlmr-tiny-reranker"));

        Assert.Equal(-0.1773556023836136f, checkpoint.ReadFloat("roberta.embeddings.word_embeddings.weight", 1002, 32).Data.Span[^1]);
        var outProj = checkpoint.ReadFloat("classifier.out_proj.weight", 1, 32).Data.Span;
        Assert.Equal([0.1701860874891281f, 0.018331879749894142f, 0.19174455106258392f], outProj[..3].ToArray());
        Assert.Equal([1], checkpoint.ReadFloat("classifier.out_proj.bias", 1).Shape);
        Assert.All(checkpoint.Tensors.Keys, name => Assert.True(name.StartsWith("roberta.") || name.StartsWith("classifier.")));
    }

    [Fact]
    public void Missing_tensor_names_the_tensor_and_file()
    {
        var folder = Fixtures.Model("bert-tiny-uncased");
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(folder);
        FormatAssert.Fails(() => checkpoint.ReadFloat("bert.pooler.dense.weight", 64, 64),
            Path.Combine(folder, "model.safetensors"), "tensor 'bert.pooler.dense.weight' not found in model.safetensors");
    }

    [Fact]
    public void Wrong_shape_names_both_shapes()
    {
        var folder = Fixtures.Model("bert-tiny-uncased");
        using var checkpoint = SafetensorsCheckpoint.OpenDirectory(folder);
        FormatAssert.Fails(() => checkpoint.ReadFloat("embeddings.word_embeddings.weight", 64, 3255),
            Path.Combine(folder, "model.safetensors"), "tensor 'embeddings.word_embeddings.weight' has shape [3255,64], expected [64,3255]");
        FormatAssert.Fails(() => checkpoint.ReadFloat("pooler.dense.bias", 64, 1),
            Path.Combine(folder, "model.safetensors"), "has shape [64], expected [64,1]");
    }

    [Fact]
    public void Mapped_data_is_refused_after_dispose()
    {
        var checkpoint = SafetensorsCheckpoint.OpenDirectory(Fixtures.Model("bert-tiny-uncased"));
        var bias = checkpoint.ReadFloat("pooler.dense.bias", 64);
        checkpoint.Dispose();
        Assert.Throws<ObjectDisposedException>(() => bias.Data.Span[0]);
        Assert.Throws<ObjectDisposedException>(() => checkpoint.ReadFloat("pooler.dense.bias", 64));
    }

    [Fact]
    public void Folder_without_checkpoint_is_an_error()
    {
        var folder = Fixtures.TempDirectory("empty-model");
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(folder), folder, "model.safetensors");
        var missing = Path.Combine(folder, "nope");
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenDirectory(missing), missing, "not found");
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenFile(Path.Combine(folder, "x.safetensors")), Path.Combine(folder, "x.safetensors"), "not found");
    }
}
