// Retrieval cost of quantized output: recall@10 of each compact encoding against exact float search, on a corpus
// of fixture sentences embedded by a model folder. Usage: dotnet run -c Release -- MODEL_DIR [MODEL_DIR…]
// Prints a markdown table. Ground truth: the 10 nearest corpus vectors by float dot product (vectors normalized).
using System.Diagnostics;
using System.Text.Json;
using EmbedRt;
using EmbedRt.Bench.QuantizedOutput;
using EmbedRt.Output;

const int K = 10, RescoreCandidates = 40;
var (corpus, queries) = Corpus.Build(documents: 4000, queries: 300);
Console.WriteLine($"corpus {corpus.Length} texts, {queries.Length} held-out queries; recall@{K} vs float top-{K}\n");
Console.WriteLine("| model | dim | int8 (per-vector scale, cosine) | int8 (calibrated, dot) | int8 (calibrated) + float rescoring of top-40 | uint8 (calibrated, dot) | binary (Hamming) | binary + float rescoring of top-40 | bytes/vector float → int8 → binary | mean cosine of random pairs |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
foreach (var directory in args)
{
    var watch = Stopwatch.StartNew();
    using var model = EmbeddingModel.Load(directory);
    var docs = model.Embed(corpus);
    var qs = model.Embed(queries);
    int d = model.Dimension, packed = EmbeddingQuantizer.PackedLength(d);
    var flat = docs.SelectMany(v => v).ToArray();

    var ranges = QuantizationRanges.FromCalibration(docs);   // calibrated on the stored corpus, as one would
    var perVector = Encode(docs, d, (v, s) => EmbeddingQuantizer.ToInt8(v, s));
    var calibrated = Encode(docs, d, (v, s) => EmbeddingQuantizer.ToInt8(v, ranges, s));
    var calibratedU = EncodeBytes(docs, d, (v, s) => EmbeddingQuantizer.ToUInt8(v, ranges, s));
    var bits = EncodeBytes(docs, packed, (v, s) => EmbeddingQuantizer.ToUBinary(v, s));

    var recall = new double[6];
    foreach (var q in qs)
    {
        var truth = VectorSearch.TopKDot(q, flat, K).Select(h => h.Index).ToHashSet();
        var q8 = new sbyte[d]; EmbeddingQuantizer.ToInt8(q, q8);
        var qc = new sbyte[d]; EmbeddingQuantizer.ToInt8(q, ranges, qc);
        var qu = new byte[d]; EmbeddingQuantizer.ToUInt8(q, ranges, qu);
        var qb = new byte[packed]; EmbeddingQuantizer.ToUBinary(q, qb);
        recall[0] += Overlap(truth, VectorSearch.TopKCosine(q8, perVector, K));
        var calibratedHits = TopByDot(qc, calibrated, d, RescoreCandidates).ToArray();
        recall[1] += Overlap(truth, calibratedHits.Take(K));
        recall[5] += Overlap(truth, VectorSearch.Rescore(q, flat, calibratedHits, K));
        recall[2] += Overlap(truth, TopByDot(qu, calibratedU, d, K));
        var coarse = VectorSearch.TopKHamming(qb, bits, RescoreCandidates);
        recall[3] += Overlap(truth, coarse.Take(K));
        recall[4] += Overlap(truth, VectorSearch.Rescore(q, flat, coarse, K));
    }
    // Random-weight encoders put every text close together (high mean cosine): sign bits then carry little.
    var pairs = new Random(5);
    double meanCosine = Enumerable.Range(0, 2000).Average(_ => VectorSimilarity.Dot(docs[pairs.Next(docs.Length)], docs[pairs.Next(docs.Length)]));
    string Cell(int i) => $"{recall[i] / (qs.Length * K):F3}";
    Console.WriteLine($"| {Path.GetFileName(Path.TrimEndingDirectorySeparator(directory))} | {d} | {Cell(0)} | {Cell(1)} | {Cell(5)} | {Cell(2)} | {Cell(3)} | {Cell(4)} | {4 * d} → {d} → {packed} | {meanCosine:F3} |");
    Console.Error.WriteLine($"{directory}: {watch.Elapsed.TotalSeconds:F1} s");
}

static sbyte[] Encode(float[][] vectors, int width, Action<float[], Span<sbyte>> encode)
{
    var codes = new sbyte[vectors.Length * width];
    for (int i = 0; i < vectors.Length; i++) encode(vectors[i], codes.AsSpan(i * width, width));
    return codes;
}

static byte[] EncodeBytes(float[][] vectors, int width, Action<float[], Span<byte>> encode)
{
    var codes = new byte[vectors.Length * width];
    for (int i = 0; i < vectors.Length; i++) encode(vectors[i], codes.AsSpan(i * width, width));
    return codes;
}

// Raw dot product of the codes, as an int8 / uint8 inner-product index scores them.
static IEnumerable<SearchHit> TopByDot<T>(T[] query, T[] stored, int d, int k) where T : unmanaged, IConvertible =>
    Enumerable.Range(0, stored.Length / d)
        .Select(r => new SearchHit(r, Dot(query, stored.AsSpan(r * d, d))))
        .OrderByDescending(h => h.Score).ThenBy(h => h.Index).Take(k);

static float Dot<T>(T[] a, ReadOnlySpan<T> b) where T : unmanaged, IConvertible
{
    long sum = 0;
    for (int i = 0; i < a.Length; i++) sum += a[i].ToInt64(null) * b[i].ToInt64(null);
    return sum;
}

static int Overlap(HashSet<int> truth, IEnumerable<SearchHit> hits) => hits.Count(h => truth.Contains(h.Index));
