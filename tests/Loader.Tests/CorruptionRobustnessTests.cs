using EmbedRt.Loader.Safetensors;
using EmbedRt.TestKit;

namespace EmbedRt.Loader.Tests;

/// <summary>
/// Damaged copies of a valid file either open and read cleanly or fail with <see cref="ModelFormatException"/>:
/// never another exception type, a crash or a hang.
/// </summary>
public class CorruptionRobustnessTests
{
    private static byte[] SmallCheckpoint()
    {
        var path = Path.Combine(Fixtures.TempDirectory("valid"), "m.safetensors");
        SafetensorsWriter.Write(path,
        [
            new("w", TensorData.FromFloats(Metrics.Random(12, seed: 3), [3, 4])),
            new("h", TensorData.FromFloats(Metrics.Random(5, seed: 4), [5], TensorDType.F16)),
            new("ids", TensorData.FromInt64([0, 1], [2])),
        ]);
        return File.ReadAllBytes(path);
    }

    private static void OpenAndReadEverything(string path)
    {
        try
        {
            using var checkpoint = SafetensorsCheckpoint.OpenFile(path);
            foreach (var entry in checkpoint.Tensors.Values.Where(e => TensorDTypes.IsReadableAsFloat(e.DType)))
                _ = checkpoint.ReadFloatAnyShape(entry.Name).Data.ToArray();
        }
        catch (ModelFormatException ex)
        {
            Assert.Equal(path, ex.FilePath);
        }
    }

    [Fact]
    public void Every_truncation_is_handled()
    {
        var bytes = SmallCheckpoint();
        var path = Path.Combine(Fixtures.TempDirectory("truncated"), "m.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            FormatAssert.Fails(() => SafetensorsCheckpoint.OpenFile(path).Dispose(), path);
        }
    }

    [Fact]
    public void Random_byte_changes_in_the_header_are_handled()
    {
        var original = SmallCheckpoint();
        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        var path = Path.Combine(Fixtures.TempDirectory("mutated"), "m.safetensors");
        var random = new Random(12345);
        const string interesting = "0123456789-[]{}\":,eE.FIU";
        for (int trial = 0; trial < 400; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                int at = random.Next(headerEnd);
                bytes[at] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)interesting[random.Next(interesting.Length)];
            }
            File.WriteAllBytes(path, bytes);
            OpenAndReadEverything(path);
        }
    }
}

public class JsonEscapeRobustnessTests
{
    [Fact]
    public void Random_byte_changes_in_config_files_are_handled()
    {
        var folder = Fixtures.CopyModel("xlmr-tiny-m3");
        var random = new Random(777);
        const string interesting = "0123456789-[]{}\":,eE.\\u";
        foreach (var file in new[] { "config.json", "modules.json", "1_Pooling/config.json", "tokenizer_config.json", "special_tokens_map.json" })
        {
            var path = Path.Combine(folder, file);
            var original = File.ReadAllBytes(path);
            for (int trial = 0; trial < 150; trial++)
            {
                var bytes = (byte[])original.Clone();
                for (int edits = random.Next(1, 4); edits > 0; edits--)
                    bytes[random.Next(bytes.Length)] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)interesting[random.Next(interesting.Length)];
                File.WriteAllBytes(path, bytes);
                try
                {
                    EmbedRt.Loader.Config.ModelConfig.Load(Path.Combine(folder, "config.json"));
                    EmbedRt.Loader.Config.SentenceTransformersConfig.Load(folder);
                    EmbedRt.Loader.Config.TokenizerConfig.Load(folder);
                }
                catch (ModelFormatException ex)
                {
                    // Usually the damaged file; a damaged module path in modules.json names the file it points to.
                    Assert.StartsWith(folder, ex.FilePath);
                }
            }
            File.WriteAllBytes(path, original);
        }
    }

    [Fact]
    public void Lone_surrogate_escape_in_a_tensor_name_is_a_format_error()
    {
        var path = Path.Combine(Fixtures.TempDirectory("surrogate"), "m.safetensors");
        RawSafetensors.Write(path, """{"a\uD800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);
        FormatAssert.Fails(() => SafetensorsCheckpoint.OpenFile(path).Dispose(), path, "not valid JSON");
    }

    [Fact]
    public void Lone_surrogate_escape_in_a_config_value_is_a_format_error()
    {
        var path = Path.Combine(Fixtures.CopyModel("bert-tiny-uncased"), "config.json");
        File.WriteAllText(path, """{"model_type": "bert\uDC00"}""");
        FormatAssert.Fails(() => EmbedRt.Loader.Config.ModelConfig.Load(path), path, "not valid JSON");
    }
}
