using BenchmarkDotNet.Attributes;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.Tokenizer;

/// <summary>Single-threaded encoding of the English corpus into a reused TokenBuffer; one op = the whole corpus.</summary>
[MemoryDiagnoser]
[Config(typeof(TokensPerSecondConfig))]
public class TokenizerBenchmarks
{
    private string[] _documents = [];
    private ITextTokenizer _tokenizer = null!;
    private readonly TokenBuffer _buffer = new();

    /// <summary>Tokenizer folder relative to tests/fixtures.</summary>
    [Params("tokenizers/bert-base-uncased", "tokenizers/bert-base-multilingual-cased", "models/xlmr-tiny-m3")]
    public string Tokenizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _documents = EnglishCorpus.Documents();
        _tokenizer = TextTokenizer.Load(Path.Combine(EnglishCorpus.FixturesRoot, Tokenizer));
    }

    /// <summary>Tokens in one pass over the corpus with the given tokenizer.</summary>
    public static long CountTokens(string tokenizer)
    {
        var benchmark = new TokenizerBenchmarks { Tokenizer = tokenizer };
        benchmark.Setup();
        return benchmark.EncodeCorpus();
    }

    [Benchmark]
    public long EncodeCorpus()
    {
        long tokens = 0;
        foreach (var document in _documents)
        {
            _tokenizer.Encode(document, _buffer);
            tokens += _buffer.Count;
        }
        return tokens;
    }
}
