using BenchmarkDotNet.Attributes;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.Embed;

/// <summary>
/// Allocation and time of one Embed call after warm-up (MemoryDiagnoser counts all threads): the hot path should
/// allocate only the returned vectors — (24 + 8·n) + n·(24 + 4·dimension) bytes for n inputs.
/// Runs on a model folder given by EMBEDRT_BENCH_MODEL (default: the tiny fixture BERT).
/// </summary>
[MemoryDiagnoser]
public class EmbedBenchmarks
{
    private EmbeddingModel _model = null!;
    private TokenEncoding[] _encodings = [];
    private string[] _texts = [];

    [Params(1, 32)]
    public int Inputs { get; set; }

    /// <summary>Kernel threads: with two, the worker pool's hand-offs are counted too.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string dir = Environment.GetEnvironmentVariable("EMBEDRT_BENCH_MODEL") ?? FindFixture("bert-tiny-uncased");
        _model = EmbeddingModel.Load(dir, new EmbeddingOptions { Threads = Threads, Pooling = PoolingMode.Mean });
        var random = new Random(7);
        _texts = Enumerable.Range(0, Inputs)
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(5, 40)).Select(_ => Words[random.Next(Words.Length)])))
            .ToArray();
        _encodings = _texts.Select(t => _model.Tokenizer.Encode(t, maxLength: _model.MaxLength)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    /// <summary>The hot path: token ids in, vectors out.</summary>
    [Benchmark]
    public float[][] EmbedTokenIds() => _model.Embed(_encodings);

    /// <summary>Texts in: adds tokenization and its encodings to the allocations.</summary>
    [Benchmark]
    public float[][] EmbedTexts() => _model.Embed(_texts);

    private static readonly string[] Words =
        ["retrieval", "embedding", "model", "query", "passage", "vector", "search", "the", "of", "language", "dense", "sparse"];

    private static string FindFixture(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "models", name);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"tests/fixtures/models/{name} not found; set EMBEDRT_BENCH_MODEL");
    }
}
