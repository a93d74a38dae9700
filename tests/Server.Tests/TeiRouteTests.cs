using EmbedRt.M3;
using EmbedRt.Rerank;
using EmbedRt.Tokenization;

namespace EmbedRt.Server.Tests;

/// <summary>Every TEI route against the library on the same fixture models: the server's numbers are the library's, bit for bit.</summary>
public sealed class TeiRouteTests(AllModelsServer fixture) : IClassFixture<AllModelsServer>
{
    private static readonly string[] Texts = ["hello world", "the quick brown fox jumps over the lazy dog", "a", "Embeddings 测试 ünïcödé"];

    private TestServer Host => fixture.Host;

    [Fact]
    public async Task Embed_matches_the_library_for_a_single_input_and_a_batch()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var expected = model.Embed(Texts);

        var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = Texts }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(expected, Json.Matrix(body));

        (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = Texts[1] }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual([expected[1]], Json.Matrix(body));
    }

    [Fact]
    public async Task Embed_without_normalization_matches_the_library()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = false });
        var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = Texts, normalize = false }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(model.Embed(Texts), Json.Matrix(body));
    }

    [Fact]
    public async Task Embed_takes_token_ids_as_they_are()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var ids = model.Tokenizer.Encode("token ids in").Ids;
        var expected = model.Embed([new TokenEncoding(ids, new int[ids.Length])]);
        var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = ids }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(expected, Json.Matrix(body));

        (status, body) = await Host.PostAsync("/embed", Json.Serialize(new object[] { "token ids in", ids }).Insert(0, "{\"inputs\":") + "}");
        Assert.Equal(HttpStatusCode.OK, status);
        var both = Json.Matrix(body);
        Json.BitEqual(expected[0], both[1]);
        Json.BitEqual(model.Embed(["token ids in"])[0], both[0]);
    }

    [Fact]
    public async Task Embed_dimensions_truncates_and_renormalizes()
    {
        var (_, full) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = "matryoshka" }));
        var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = "matryoshka", dimensions = 16 }));
        Assert.Equal(HttpStatusCode.OK, status);
        var cut = Json.Matrix(body)[0];
        Assert.Equal(16, cut.Length);
        Assert.Equal(1.0, Math.Sqrt(cut.Sum(x => (double)x * x)), 5);
        var prefix = Json.Matrix(full)[0][..16];
        double scale = cut[0] / prefix[0];
        for (int i = 0; i < 16; i++) Assert.Equal(prefix[i] * scale, cut[i], 5);
    }

    [Fact]
    public async Task Truncate_cuts_long_inputs_as_the_library_does()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        string longText = string.Join(' ', Enumerable.Repeat("word", 400));
        var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = longText, truncate = true }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(model.Embed([longText]), Json.Matrix(body));
    }

    /// <summary>truncation_direction in TEI's four spellings, on every route that truncates, equals the library's left cut.</summary>
    [Fact]
    public async Task Truncation_direction_left_cuts_the_beginning_on_every_route()
    {
        string longText = string.Join(' ', Enumerable.Range(0, 600).Select(i => i < 300 ? "word" : "other"));
        var leftOptions = new EmbeddingOptions { Normalize = true, TruncationDirection = TruncationDirection.Left };
        using var dense = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), leftOptions);
        using var right = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var expected = dense.Embed([longText]);
        Assert.NotEqual(right.Embed([longText])[0], expected[0]);
        foreach (string spelling in new[] { "left", "Left" })
        {
            var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = longText, truncate = true, truncation_direction = spelling }));
            Assert.Equal(HttpStatusCode.OK, status);
            Json.BitEqual(expected, Json.Matrix(body));
        }
        foreach (string spelling in new[] { "right", "Right" })
        {
            var (status, body) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = longText, truncate = true, truncation_direction = spelling }));
            Assert.Equal(HttpStatusCode.OK, status);
            Json.BitEqual(right.Embed([longText]), Json.Matrix(body));
        }

        // token ids are cut as given, keeping their end
        var ids = dense.Tokenizer.Encode(longText).Ids;
        var (idStatus, idBody) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = ids, truncate = true, truncation_direction = "Left" }));
        Assert.Equal(HttpStatusCode.OK, idStatus);
        var tail = ids[^dense.MaxLength..];
        Json.BitEqual(dense.Embed([new TokenEncoding(tail, new int[tail.Length])]), Json.Matrix(idBody));

        using var m3 = BgeM3Model.Load(Fixtures.Model(TestServer.M3), leftOptions);
        var m3Expected = m3.Encode([longText])[0];
        var (m3Status, m3Body) = await Host.PostAsync($"/{TestServer.M3}/embed_all", Json.Serialize(new { inputs = longText, truncate = true, truncation_direction = "left" }));
        Assert.Equal(HttpStatusCode.OK, m3Status);
        Json.BitEqual(m3Expected.ColBert, Json.Matrix(m3Body[0]));
        (m3Status, m3Body) = await Host.PostAsync($"/{TestServer.M3}/embed_sparse", Json.Serialize(new { inputs = longText, truncate = true, truncation_direction = "left" }));
        Assert.Equal(HttpStatusCode.OK, m3Status);
        Assert.Equal(m3Expected.Sparse.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)),
            m3Body[0].EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("value").GetSingle())));

        using var reranker = CrossEncoder.Load(Fixtures.Model(TestServer.Reranker), leftOptions);
        var logits = reranker.Logits([("a question", longText)]);
        var (rStatus, rBody) = await Host.PostAsync($"/{TestServer.Reranker}/rerank",
            Json.Serialize(new { query = "a question", texts = new[] { longText }, raw_scores = true, truncate = true, truncation_direction = "Left" }));
        Assert.Equal(HttpStatusCode.OK, rStatus);
        Assert.Equal(logits[0], rBody[0].GetProperty("score").GetSingle());
        using var rightReranker = CrossEncoder.Load(Fixtures.Model(TestServer.Reranker));
        Assert.NotEqual(rightReranker.Logits([("a question", longText)])[0], logits[0]);
    }

    [Fact]
    public async Task Embed_all_gives_the_last_hidden_state_per_token()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense));
        var encoding = model.Tokenizer.Encode("per token");
        var hidden = model.LastHiddenState(encoding);
        var (status, body) = await Host.PostAsync("/embed_all", Json.Serialize(new { inputs = new[] { "per token" } }));
        Assert.Equal(HttpStatusCode.OK, status);
        var rows = Json.Matrix(body[0]);
        Assert.Equal(encoding.Ids.Length, rows.Length);
        Json.BitEqual(hidden, rows.SelectMany(r => r).ToArray());
    }

    [Fact]
    public async Task M3_dense_sparse_and_colbert_match_the_library()
    {
        using var model = BgeM3Model.Load(Fixtures.Model(TestServer.M3));
        var expected = model.Encode(Texts);
        string body = Json.Serialize(new { inputs = Texts });

        var (status, dense) = await Host.PostAsync($"/{TestServer.M3}/embed", body);
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(expected.Select(e => e.Dense).ToArray(), Json.Matrix(dense));

        var (_, sparse) = await Host.PostAsync($"/{TestServer.M3}/embed_sparse", body);
        for (int i = 0; i < Texts.Length; i++)
        {
            var entries = sparse[i].EnumerateArray().Select(e => (e.GetProperty("index").GetInt32(), e.GetProperty("value").GetSingle())).ToArray();
            Assert.Equal(expected[i].Sparse.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray(), entries);
        }

        var (_, colbert) = await Host.PostAsync($"/{TestServer.M3}/embed_all", body);
        for (int i = 0; i < Texts.Length; i++) Json.BitEqual(expected[i].ColBert, Json.Matrix(colbert[i]));
    }

    [Fact]
    public async Task Rerank_matches_the_library_sorted_best_first()
    {
        using var model = CrossEncoder.Load(Fixtures.Model(TestServer.Reranker));
        var passages = Texts.Skip(1).ToArray();
        var expected = model.Rerank("what does the fox do", passages);
        var (status, body) = await Host.PostAsync($"/{TestServer.Reranker}/rerank",
            Json.Serialize(new { query = "what does the fox do", texts = passages, return_text = true }));
        Assert.Equal(HttpStatusCode.OK, status);
        var ranks = body.EnumerateArray().ToArray();
        Assert.Equal(expected.Select(r => r.Index), ranks.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(expected.Select(r => r.Score), ranks.Select(r => r.GetProperty("score").GetSingle()));
        Assert.Equal(expected.Select(r => passages[r.Index]), ranks.Select(r => r.GetProperty("text").GetString()));

        (_, body) = await Host.PostAsync($"/{TestServer.Reranker}/rerank", Json.Serialize(new { query = "what does the fox do", texts = passages, raw_scores = true }));
        var raw = body.EnumerateArray().ToArray();
        Assert.Equal(expected.Select(r => r.Logit), raw.Select(r => r.GetProperty("score").GetSingle()));
        Assert.All(raw, r => Assert.False(r.TryGetProperty("text", out _)));
    }

    [Fact]
    public async Task Similarity_is_the_cosine_of_the_library_vectors()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense));
        var vectors = model.Embed(Texts);
        var (status, body) = await Host.PostAsync("/similarity",
            Json.Serialize(new { inputs = new { source_sentence = Texts[0], sentences = Texts[1..] } }));
        Assert.Equal(HttpStatusCode.OK, status);
        var scores = Json.Floats(body);
        for (int i = 1; i < Texts.Length; i++) Assert.Equal(Cosine(vectors[0], vectors[i]), scores[i - 1], 5);
    }

    [Fact]
    public async Task Tokenize_and_decode_round_trip()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense));
        var ids = model.Tokenizer.Encode("hello world").Ids;
        var (status, body) = await Host.PostAsync("/tokenize", Json.Serialize(new { inputs = "hello world" }));
        Assert.Equal(HttpStatusCode.OK, status);
        var tokens = body[0].EnumerateArray().ToArray();
        Assert.Equal(ids, tokens.Select(t => t.GetProperty("id").GetInt32()));
        Assert.True(tokens[0].GetProperty("special").GetBoolean());
        Assert.False(tokens[1].GetProperty("special").GetBoolean());

        (status, body) = await Host.PostAsync("/decode", Json.Serialize(new { ids }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("hello world", body[0].GetString());

        var m3Ids = BgeM3Model.Load(Fixtures.Model(TestServer.M3)).Tokenizer.Encode("hello world").Ids;
        (_, body) = await Host.PostAsync($"/{TestServer.M3}/decode", Json.Serialize(new { ids = new[] { m3Ids } }));
        Assert.Equal("hello world", body[0].GetString());
    }

    /// <summary>TEI's SimpleToken: text tokens carry their slice of the input and UTF-8 byte offsets, template tokens null offsets.</summary>
    [Fact]
    public async Task Tokenize_gives_byte_offsets_and_input_slices_as_tei()
    {
        const string text = "Héllo wörld 中文 [MASK] 😀!";
        var (status, body) = await Host.PostAsync("/tokenize", Json.Serialize(new { inputs = new[] { text } }));
        Assert.Equal(HttpStatusCode.OK, status);
        var tokens = body[0].EnumerateArray().ToArray();
        var expected = ((ITokenOffsets)TextTokenizer.Load(Fixtures.Model(TestServer.Dense))).EncodeWithOffsets(text);
        Assert.Equal(expected.Select(t => t.Id), tokens.Select(t => t.GetProperty("id").GetInt32()));
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        for (int i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (expected[i].Special)
            {
                Assert.True(token.GetProperty("special").GetBoolean());
                Assert.Equal(JsonValueKind.Null, token.GetProperty("start").ValueKind);
                Assert.Equal(JsonValueKind.Null, token.GetProperty("stop").ValueKind);
                continue;
            }
            Assert.False(token.GetProperty("special").GetBoolean()); // a literal [MASK] in the text is not special (HF's mask)
            int start = token.GetProperty("start").GetInt32(), stop = token.GetProperty("stop").GetInt32();
            Assert.Equal(text[expected[i].Start..expected[i].End], token.GetProperty("text").GetString());
            Assert.Equal(token.GetProperty("text").GetString(), System.Text.Encoding.UTF8.GetString(bytes[start..stop]));
        }
        Assert.Contains(tokens, t => t.GetProperty("text").GetString() == "wörld");   // the input's slice, not the vocab's "world"
        Assert.Contains(tokens, t => t.GetProperty("text").GetString() == "[MASK]" && !t.GetProperty("special").GetBoolean());

        (_, body) = await Host.PostAsync("/tokenize", Json.Serialize(new { inputs = "wörld", add_special_tokens = false }));
        var plain = body[0].EnumerateArray().ToArray();
        Assert.Single(plain);
        Assert.Equal(0, plain[0].GetProperty("start").GetInt32());
        Assert.Equal(6, plain[0].GetProperty("stop").GetInt32()); // "ö" is 2 bytes
    }

    [Fact]
    public async Task Info_health_and_metrics()
    {
        var (status, info) = await Host.GetAsync("/info");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TestServer.Dense, info.GetProperty("served_model_name").GetString());
        Assert.Equal("mean", info.GetProperty("model_type").GetProperty("embedding").GetProperty("pooling").GetString());
        Assert.Equal(128, info.GetProperty("max_input_length").GetInt32());
        Assert.Equal(8, info.GetProperty("max_client_batch_size").GetInt32());
        Assert.Equal(512, info.GetProperty("max_concurrent_requests").GetInt32());
        (_, info) = await Host.GetAsync($"/{TestServer.Reranker}/info");
        Assert.True(info.GetProperty("model_type").TryGetProperty("reranker", out _));

        (status, _) = await Host.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, status);

        await Host.PostAsync("/embed", Json.Serialize(new { inputs = new[] { "metrics" } }));
        await Host.PostAsync("/embed", Json.Serialize(new { inputs = Array.Empty<string>() }));
        string metrics = await Host.Client.GetStringAsync("/metrics");
        Assert.Matches("te_request_count\\{method=\"batch\"\\} [1-9]", metrics);
        Assert.Matches("te_request_success\\{method=\"batch\"\\} [1-9]", metrics);
        Assert.Matches("te_request_failure\\{err=\"empty\"\\} [1-9]", metrics);
        Assert.Contains($"te_queue_size{{model=\"{TestServer.Dense}\"}} 0", metrics);
        foreach (var histogram in new[] { "te_request_duration", "te_request_tokenization_duration", "te_request_queue_duration",
                     "te_request_inference_duration", "te_request_input_length", "te_batch_next_size", "te_batch_next_tokens" })
            Assert.Contains($"# TYPE {histogram} histogram", metrics);
        Assert.Contains("te_request_duration_bucket{le=\"+Inf\"}", metrics);
    }

    private static float Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += (double)a[i] * b[i]; na += (double)a[i] * a[i]; nb += (double)b[i] * b[i]; }
        return (float)(dot / Math.Sqrt(na * nb));
    }
}
