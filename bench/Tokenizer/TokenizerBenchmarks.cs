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

    /// <summary>A fixture vocabulary (tests/fixtures/tokenizers) or tiny model (tests/fixtures/models).</summary>
    [Params("bert-base-uncased", "bert-base-multilingual-cased", "xlmr-tiny-m3")]
    public string Tokenizer { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _documents = EnglishCorpus.Documents();
        var vocabulary = Path.Combine(EnglishCorpus.FixturesRoot, "tokenizers", Tokenizer);
        _tokenizer = TextTokenizer.Load(Directory.Exists(vocabulary) ? vocabulary : Path.Combine(EnglishCorpus.FixturesRoot, "models", Tokenizer));
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
