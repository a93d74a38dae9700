using System.Text;
using System.Text.Json.Nodes;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;
using EmbedRt.M3;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Hardening;

/// <summary>
/// Issue 9, items 2, 3 and 5 at the level users meet them: a model folder with corrupt weights, tokenizer ids the
/// embedding table lacks, or files that are not regular files. Each is a ModelFormatException naming the file and
/// entry at load, never NaN vectors, an argument error at embed time, or a hang.
/// </summary>
public class HostileModelFolderTests
{
    // ---- item 5

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer_config.json")]
    [InlineData("modules.json")]
    [InlineData("1_Pooling/config.json")]
    public void A_fifo_in_place_of_a_model_file_is_refused_without_hanging(string file)
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(dir, file);
        SpecialFiles.MakeFifo(path);
        var error = Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(20, () => EmbeddingModel.Load(dir).Dispose()));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("not a regular file", error.Problem);
    }

    [Fact]
    public void A_fifo_vocab_txt_or_head_is_refused_without_hanging()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        SpecialFiles.MakeFifo(Path.Combine(dir, "vocab.txt"));
        Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(20, () => TextTokenizer.Load(dir)));

        var m3 = Fixtures.CopyModel("xlmr-tiny-m3");
        SpecialFiles.MakeFifo(Path.Combine(m3, "colbert_linear.pt"));
        Assert.Throws<ModelFormatException>(() => SpecialFiles.WithinSeconds(20, () => BgeM3Model.Load(m3).Dispose()));
    }

    [Fact]
    public void A_folder_named_model_safetensors_is_named_as_such()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(dir, "model.safetensors");
        File.Delete(path);
        Directory.CreateDirectory(path);
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("folder", error.Problem);
    }

    // ---- item 2

    [Theory]
    [InlineData("bert-tiny-uncased", "encoder.layer.1.intermediate.dense.weight", WeightPrecision.Float32)]
    [InlineData("bert-tiny-zh", "embeddings.word_embeddings.weight", WeightPrecision.Float32)]
    [InlineData("xlmr-f16-roberta", "embeddings.word_embeddings.weight", WeightPrecision.Stored)]
    [InlineData("xlmr-f16-roberta", "encoder.layer.0.attention.self.key.weight", WeightPrecision.Float32)]
    public void A_nan_weight_is_refused_at_load_naming_file_and_tensor(string name, string tensor, WeightPrecision weights)
    {
        var dir = Fixtures.CopyModel(name);
        string path = Path.Combine(dir, "model.safetensors");
        var entry = PatchTensor(path, tensor, (dtype, _) => dtype == TensorDType.F32 ? BitConverter.GetBytes(float.NaN) : BitConverter.GetBytes((ushort)0x7E00), element: 3);
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir, new EmbeddingOptions { Weights = weights }));
        Assert.Equal(path, error.FilePath);
        Assert.Contains($"'{entry.Name}'", error.Problem);
        Assert.Contains("non-finite", error.Problem);
    }

    [Fact]
    public void Weights_that_overflow_give_a_typed_error_naming_the_model_not_nan_vectors()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        // Finite, so load accepts them, but the attention input reaches 1e38 and Q·K overflows to infinity.
        PatchTensor(Path.Combine(dir, "model.safetensors"), "embeddings.LayerNorm.weight", (_, _) => BitConverter.GetBytes(1e38f));
        using var model = EmbeddingModel.Load(dir);
        var error = Assert.Throws<ModelFormatException>(() => model.Embed(["hello", "world"]));
        Assert.Equal(dir, error.FilePath);
        Assert.Contains("non-finite", error.Problem);
    }

    // ---- item 3

    [Fact]
    public void A_tokenizer_json_vocab_id_past_the_embedding_table_is_refused_at_load()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(dir, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["model"]!["vocab"]!["zzzz"] = 3255; // vocab_size is 3255: ids 0..3254
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("\"zzzz\"", error.Problem);
        Assert.Contains("3255", error.Problem);
    }

    [Fact]
    public void An_added_token_id_past_the_embedding_table_is_refused_at_load()
    {
        var dir = Fixtures.CopyModel("bert-tiny-zh");
        var path = Path.Combine(dir, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["added_tokens"]!.AsArray().Add(new JsonObject
        {
            ["id"] = 100000, ["content"] = "<big>", ["special"] = true, ["single_word"] = false,
            ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false,
        });
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("added_tokens", error.Problem);
        Assert.Contains("<big>", error.Problem);
    }

    [Fact]
    public void A_vocab_txt_longer_than_the_embedding_table_is_refused_at_load()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var path = Path.Combine(dir, "vocab.txt");
        File.AppendAllLines(path, ["extra-one", "extra-two"]);
        int lines = File.ReadAllLines(path).Length;
        var error = Assert.Throws<ModelFormatException>(() => EmbeddingModel.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains($"line {lines}", error.Problem);
        Assert.Contains("extra-two", error.Problem);
    }

    [Fact]
    public void A_model_whose_tokenizer_fits_still_loads_and_embeds()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"));
        Assert.True(model.Tokenizer.VocabularySize <= 3255);
        Assert.All(model.Embed(["hello"])[0], v => Assert.True(float.IsFinite(v)));
    }

    /// <summary>Overwrites elements of a tensor in place (all of them unless <paramref name="element"/> is given).</summary>
    private static TensorEntry PatchTensor(string file, string nameSuffix, Func<TensorDType, int, byte[]> value, int? element = null)
    {
        TensorEntry entry;
        using (var checkpoint = SafetensorsCheckpoint.OpenFile(file))
            entry = checkpoint.Tensors.Values.Single(t => t.Name.EndsWith(nameSuffix, StringComparison.Ordinal));
        int size = TensorDTypes.SizeOf(entry.DType);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        for (long i = element ?? 0; i < (element is null ? entry.ElementCount : element + 1); i++)
        {
            stream.Position = entry.DataOffset + i * size;
            stream.Write(value(entry.DType, (int)i));
        }
        return entry;
    }
}

/// <summary>Issue 9, item 3: ids no table can hold and undecodable vocabularies are refused by every loader.</summary>
public class TokenIdValidationTests
{
    [Fact]
    public void A_negative_vocab_id_in_tokenizer_json_is_refused()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(dir, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["model"]!["vocab"]!["minus"] = -7;
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("\"minus\"", error.Problem);
        Assert.Contains("-7", error.Problem);
    }

    [Fact]
    public void A_negative_added_token_or_template_id_is_refused()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var path = Path.Combine(dir, "tokenizer.json");
        var original = File.ReadAllText(path);
        var json = JsonNode.Parse(original)!;
        json["added_tokens"]![0]!["id"] = -1;
        File.WriteAllText(path, json.ToJsonString());
        Assert.Contains("[PAD]", Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir)).Problem);

        json = JsonNode.Parse(original)!;
        json["post_processor"]!["special_tokens"]!["[CLS]"]!["ids"]![0] = -2;
        File.WriteAllText(path, json.ToJsonString());
        Assert.Contains("post_processor", Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir)).Problem);
    }

    [Fact]
    public void A_negative_added_tokens_decoder_id_is_refused()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var path = Path.Combine(dir, "tokenizer_config.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["added_tokens_decoder"] = new JsonObject { ["-5"] = new JsonObject { ["content"] = "<neg>", ["special"] = true } };
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("<neg>", error.Problem);
    }

    [Fact]
    public void A_vocab_txt_with_invalid_utf8_is_refused_naming_the_line()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        var path = Path.Combine(dir, "vocab.txt");
        var lines = File.ReadAllLines(path);
        using (var stream = new FileStream(path, FileMode.Create))
        {
            for (int i = 0; i < lines.Length; i++)
            {
                stream.Write(Encoding.UTF8.GetBytes(lines[i]));
                if (i == 41) stream.Write([0xC3, 0x28]); // a lead byte followed by ASCII: invalid
                stream.WriteByte((byte)'\n');
            }
        }
        var error = Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("line 42", error.Problem);
        Assert.Contains("UTF-8", error.Problem);
    }
}

/// <summary>Fuzzing finds (bench/fuzz.sh), kept fixed; their inputs are also in fuzz/corpus.</summary>
public class FuzzFindingTests
{
    [Fact]
    public void Invalid_utf8_inside_a_tokenizer_json_string_is_a_format_error()
    {
        var dir = Fixtures.TempDirectory("fuzz-utf8");
        var path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllBytes(path, [.. "{\"model\": {\"type\": \""u8, 0x80, .. "\"}}"u8]);
        var error = Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(dir));
        Assert.Equal(path, error.FilePath);
        Assert.Contains("UTF-8", error.Problem);
    }
}
