using EmbedRt.Output;

namespace EmbedRt.Tests.Output;

public class SearchTests
{
    private static (float[] Stored, float[] Query) Corpus(int rows, int dim, int seed)
    {
        var random = new Random(seed);
        var stored = Enumerable.Range(0, rows * dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var query = Enumerable.Range(0, dim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        return (stored, query);
    }

    [Theory]
    [InlineData(1, 5), InlineData(10, 5), InlineData(100, 16), InlineData(257, 3)]
    public void TopKDot_equals_sorting_every_score(int rows, int k)
    {
        const int dim = 24;
        var (stored, query) = Corpus(rows, dim, rows);
        var expected = Enumerable.Range(0, rows)
            .Select(r => new SearchHit(r, VectorSimilarity.Dot(query, stored.AsSpan(r * dim, dim))))
            .OrderByDescending(h => h.Score).ThenBy(h => h.Index).Take(k).ToArray();
        Assert.Equal(expected, VectorSearch.TopKDot(query, stored, k));
    }

    [Fact]
    public void Ties_keep_the_lower_index_first()
    {
        float[] stored = [1, 0, 1, 0, 0, 1, 1, 0];
        var hits = VectorSearch.TopKDot([1f, 0f], stored, 2);
        Assert.Equal([new SearchHit(0, 1), new SearchHit(1, 1)], hits);
    }

    [Fact]
    public void Hamming_search_finds_the_exact_copy_and_rescoring_restores_float_order()
    {
        const int rows = 200, dim = 64;
        var (stored, _) = Corpus(rows, dim, 3);
        var query = stored.AsSpan(57 * dim, dim).ToArray();
        var bits = new byte[rows * dim / 8];
        for (int r = 0; r < rows; r++) EmbeddingQuantizer.ToUBinary(stored.AsSpan(r * dim, dim), bits.AsSpan(r * dim / 8, dim / 8));
        var queryBits = new byte[dim / 8];
        EmbeddingQuantizer.ToUBinary(query, queryBits);

        var coarse = VectorSearch.TopKHamming(queryBits, bits, 40);
        Assert.Equal(new SearchHit(57, dim), coarse[0]);
        Assert.True(coarse.Zip(coarse.Skip(1)).All(p => p.First.Score >= p.Second.Score));

        var rescored = VectorSearch.Rescore(query, stored, coarse, 5);
        var exact = VectorSearch.TopKDot(query, stored, 40).Where(h => coarse.Any(c => c.Index == h.Index)).Take(5);
        Assert.Equal(exact, rescored);
    }

    [Fact]
    public void Int8_cosine_search_ranks_like_float_on_well_separated_vectors()
    {
        float[] stored = [1, 0, 0, 0.9f, 0.1f, 0, 0, 1, 0, -1, 0, 0];
        var codes = new sbyte[stored.Length];
        for (int r = 0; r < 4; r++) EmbeddingQuantizer.ToInt8(stored.AsSpan(r * 3, 3), codes.AsSpan(r * 3, 3));
        var query = new sbyte[3];
        EmbeddingQuantizer.ToInt8([1f, 0.05f, 0f], query);
        Assert.Equal([0, 1, 2, 3], VectorSearch.TopKCosine(query, codes, 4).Select(h => h.Index));
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => VectorSearch.TopKDot(new float[3], new float[10], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorSearch.TopKDot(new float[3], new float[9], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VectorSearch.Rescore(new float[3], new float[9], [new SearchHit(3, 0)], 1));
    }
}
