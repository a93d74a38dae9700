using EmbedRt.Loader;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>Missing, malformed or unsupported tokenizer files throw ModelFormatException naming the file.</summary>
public sealed class LoadErrorTests
{
    private static ModelFormatException LoadFails(string directory) =>
        Assert.Throws<ModelFormatException>(() => TextTokenizer.Load(directory));

    private static string BertCopy(params string[] files)
    {
        var dir = Fixtures.TempDirectory("tok-error");
        foreach (var file in files) File.Copy(Path.Combine(Fixtures.Tokenizer("bert-base-uncased"), file), Path.Combine(dir, file));
        return dir;
    }

    [Fact]
    public void Folder_without_tokenizer_files()
    {
        var dir = Fixtures.TempDirectory("tok-empty");
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        var error = LoadFails(dir);
        Assert.Equal(dir, error.FilePath);
        Assert.Contains("tokenizer.json", error.Problem);
    }

    [Fact]
    public void Missing_folder() => Assert.Contains("not found", LoadFails("/nonexistent/embedrt-model").Problem);

    [Theory]
    [InlineData("{ \"model\": ")]
    [InlineData("[1, 2]")]
    [InlineData("{}")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {}, \"merges\": []}}")]
    [InlineData("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}, \"unk_token\": \"[UNK]\"}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}")]
    [InlineData("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": \"x\"}}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]], \"unk_id\": 5}}")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"<unk>\", 0.0]], \"unk_id\": 0}, \"normalizer\": {\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AAAA\"}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}")]
    public void Bad_tokenizer_json(string content)
    {
        var dir = BertCopy("vocab.txt");
        var path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(path, content);
        Assert.Equal(path, LoadFails(dir).FilePath);
    }

    [Fact]
    public void Vocab_txt_without_unknown_token()
    {
        var dir = Fixtures.TempDirectory("tok-nounk");
        var path = Path.Combine(dir, "vocab.txt");
        File.WriteAllLines(path, ["[PAD]", "[CLS]", "[SEP]", "hello"]);
        var error = LoadFails(dir);
        Assert.Equal(path, error.FilePath);
        Assert.Contains("[UNK]", error.Problem);
    }

    [Fact]
    public void Empty_vocab_txt()
    {
        var dir = Fixtures.TempDirectory("tok-emptyvocab");
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), "");
        Assert.EndsWith("vocab.txt", LoadFails(dir).FilePath);
    }

    [Fact]
    public void Malformed_tokenizer_config()
    {
        var dir = BertCopy("vocab.txt");
        var path = Path.Combine(dir, "tokenizer_config.json");
        File.WriteAllText(path, "{\"do_lower_case\": \"yes\"}");
        var error = LoadFails(dir);
        Assert.Equal(path, error.FilePath);
        Assert.Contains("do_lower_case", error.Problem);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    public void Corrupt_sentencepiece_model(string damage)
    {
        var dir = Fixtures.CopyModel("xlmr-tiny-m3");
        File.Delete(Path.Combine(dir, "tokenizer.json"));
        File.Delete(Path.Combine(dir, "tokenizer_config.json"));
        var path = Path.Combine(dir, "sentencepiece.bpe.model");
        var bytes = File.ReadAllBytes(path);
        byte[] damaged = damage switch
        {
            "garbage" => Enumerable.Range(0, 4096).Select(i => (byte)(i * 131 + 7)).ToArray(),
            "truncated" => bytes[..(bytes.Length / 2)],
            _ => [],
        };
        File.WriteAllBytes(path, damaged);
        Assert.Equal(path, LoadFails(dir).FilePath);
    }
}
