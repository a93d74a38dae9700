using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Tokenization;

/// <summary>
/// Expected data of the Unicode sweep in tests/fixtures/unicode, made by Hugging Face tokenizers with
/// tools/unicodegen/hf-expected.mjs: per scalar value the ids of "a" + c + "b" and of c, special tokens left out.
/// </summary>
public static class UnicodeSweepData
{
    /// <summary>Every sweep configuration: BERT vocabulary × casing mode, and the XLM-R tokenizer.</summary>
    public static readonly string[] Configurations =
    [
        .. from vocabulary in TokenizerFixtures.Vocabularies from mode in new[] { "uncased", "cased" } select $"{vocabulary}.{mode}",
        XlmR, XlmRSentencePiece,
    ];

    /// <summary>XLM-R from tokenizer.json, and from sentencepiece.bpe.model alone (expected: the same ids).</summary>
    public const string XlmR = "xlmr-tiny-m3", XlmRSentencePiece = "xlmr-tiny-m3.sentencepiece";

    public static string Folder => Path.Combine(Fixtures.Root, "unicode");

    /// <summary>All scalar values in increasing order (surrogates excluded), as the expected files list them.</summary>
    public static int[] Scalars { get; } = Enumerable.Range(0, 0x110000).Where(c => c is < 0xD800 or > 0xDFFF).ToArray();

    /// <summary>The expected ids, decoded: entry 2i is "a"+c+"b" for Scalars[i], entry 2i+1 is c alone.</summary>
    public sealed class ExpectedIds(int[] ids, int[] starts)
    {
        public ReadOnlySpan<int> this[int entry] => ids.AsSpan(starts[entry], starts[entry + 1] - starts[entry]);
    }

    public static ExpectedIds Read(string configuration)
    {
        using var file = File.OpenRead(Path.Combine(Folder, ExpectedName(configuration) + ".ids.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        var data = bytes.GetBuffer().AsSpan(0, (int)bytes.Length);
        var starts = new int[2 * Scalars.Length + 1];
        var ids = new List<int>(2 * Scalars.Length);
        int position = 0;
        for (int entry = 0; entry < 2 * Scalars.Length; entry++)
        {
            int count = ReadVarint(data, ref position);
            for (int k = 0; k < count; k++) ids.Add(ReadVarint(data, ref position));
            starts[entry + 1] = ids.Count;
        }
        Assert.Equal(data.Length, position);
        return new ExpectedIds([.. ids], starts);
    }

    private static readonly ConcurrentDictionary<string, ITextTokenizer> s_tokenizers = new();
    private static readonly Lazy<(string[] Texts, Dictionary<string, int[][]> Ids)> s_accented = new(ReadAccentedFile);

    /// <summary>The tokenizer a configuration names, loaded once through the public API from a tokenizer.json.</summary>
    public static ITextTokenizer Tokenizer(string configuration) => s_tokenizers.GetOrAdd(configuration, Load);

    private static ITextTokenizer Load(string configuration)
    {
        if (configuration == XlmR) return TokenizerFixtures.Model(XlmR, TokenizerFixtures.FromTokenizerJson);
        if (configuration == XlmRSentencePiece) return TokenizerFixtures.Model(XlmR, TokenizerFixtures.FromVocabFiles);
        var (vocabulary, mode) = (configuration[..configuration.LastIndexOf('.')], configuration[(configuration.LastIndexOf('.') + 1)..]);
        var folder = Fixtures.TempDirectory(configuration);
        var source = Fixtures.Tokenizer(vocabulary);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "tokenizer.json")))!;
        json["normalizer"]!["lowercase"] = mode == "uncased";
        json["normalizer"]!["strip_accents"] = mode == "uncased" ? null : false;
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
        File.Copy(Path.Combine(source, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"));
        return TextTokenizer.Load(folder);
    }

    /// <summary>The name of the configuration's expected data.</summary>
    public static string ExpectedName(string configuration) => configuration == XlmRSentencePiece ? XlmR : configuration;

    /// <summary>accented.json.gz: texts (NFC/NFD forms, combining sequences) and their ids per configuration.</summary>
    public static (string[] Texts, Dictionary<string, int[][]> Ids) ReadAccented() => s_accented.Value;

    private static (string[] Texts, Dictionary<string, int[][]> Ids) ReadAccentedFile()
    {
        using var file = File.OpenRead(Path.Combine(Folder, "accented.json.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var document = JsonDocument.Parse(gzip);
        var root = document.RootElement;
        var texts = root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var ids = root.GetProperty("ids").EnumerateObject().ToDictionary(p => p.Name,
            p => p.Value.EnumerateArray().Select(a => a.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray());
        return (texts, ids);
    }

    private static int ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        int value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = data[position++];
            value |= (b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
