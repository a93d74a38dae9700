using EmbedRt.Server;

namespace EmbedRt.Server.Tests;

/// <summary>Every TEI error code with its body shape, and that the server keeps serving after each.</summary>
public sealed class ErrorTests(AllModelsServer fixture) : IClassFixture<AllModelsServer>
{
    private TestServer Host => fixture.Host;

    [Theory]
    [InlineData("/embed", "{\"inputs\": []}", 400, "Empty")]
    [InlineData("/embed", "{\"inputs\": [\"a\", []]}", 400, "Empty")]
    [InlineData("/rerank", "{\"query\": \"q\", \"texts\": []}", 400, "Empty")]
    [InlineData("/similarity", "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": []}}", 400, "Empty")]
    [InlineData("/embed", "{\"inputs\": \"unterminated", 422, "Validation")]
    [InlineData("/embed", "not json at all", 422, "Validation")]
    [InlineData("/embed", "null", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": 5}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [\"a\", {\"x\": 1}]}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\\ud800b\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [\"ok\", \"\\udfff\"]}", 422, "Validation")]
    [InlineData("/tokenize", "{\"inputs\": \"\\ud800\"}", 422, "Validation")]
    [InlineData("/xlmr-tiny-reranker/rerank", "{\"query\": \"\\ud800\", \"texts\": [\"a\"]}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"inputs\": \"b\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"normalize\": true, \"normalize\": false}", 422, "Validation")]
    [InlineData("/similarity", "{\"inputs\": {\"source_sentence\": \"a\", \"source_sentence\": \"b\", \"sentences\": [\"c\"]}}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [1, -2]}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [1, 2.5]}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [2, 999999, 3]}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"normalize\": \"yes\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"truncation_direction\": \"LEFT\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"truncation_direction\": \"up\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"dimensions\": 0}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"dimensions\": 100000}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"prompt_name\": \"no-such-prompt\"}", 422, "Validation")]
    [InlineData("/embed", "{\"inputs\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}", 422, "Validation")]
    [InlineData("/rerank", "{\"texts\": [\"a\"]}", 422, "Validation")]
    [InlineData("/decode", "{\"ids\": [1, 99999999]}", 422, "Tokenizer")]
    [InlineData("/rerank", "{\"query\": \"q\", \"texts\": [\"a\"]}", 424, "Backend")]
    [InlineData("/embed_sparse", "{\"inputs\": \"a\"}", 424, "Backend")]
    [InlineData("/xlmr-tiny-reranker/embed", "{\"inputs\": \"a\"}", 424, "Backend")]
    public async Task Bad_requests_get_TEI_errors(string path, string body, int status, string errorType)
    {
        var (code, error) = await Host.PostAsync(path, body);
        Assert.Equal(status, (int)code);
        Assert.Equal(errorType, error.GetProperty("error_type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));
        var (ok, _) = await Host.PostAsync("/embed", "{\"inputs\": \"still serving\"}");
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    /// <summary>A wrong-typed field is named with what was expected, as TEI's serde says it, never a .NET type name.</summary>
    [Theory]
    [InlineData("/embed", "{\"inputs\": \"a\", \"truncate\": \"x\"}", "truncate: expected a boolean")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"dimensions\": \"x\"}", "dimensions: expected an integer")]
    [InlineData("/embed", "{\"inputs\": \"a\", \"prompt_name\": 3}", "prompt_name: expected a string")]
    [InlineData("/rerank", "{\"query\": \"q\", \"texts\": 7}", "texts: expected a sequence")]
    [InlineData("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 1.5}", "dimensions: expected an integer")]
    public async Task A_wrong_typed_field_is_named_with_what_was_expected(string path, string body, string expected)
    {
        var (code, error) = await Host.PostAsync(path, body);
        Assert.Equal(422, (int)code);
        string message = path.StartsWith("/v1") ? error.GetProperty("error").GetProperty("message").GetString()! : error.GetProperty("error").GetString()!;
        Assert.Contains(expected, message);
        Assert.DoesNotContain("System.", message);
        Assert.Contains("at line 1 column", message);
    }

    [Fact]
    public async Task An_input_over_the_max_length_is_refused_unless_truncated()
    {
        string longText = string.Join(' ', Enumerable.Repeat("word", 400));
        var (status, error) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = longText }));
        Assert.Equal(422, (int)status);
        Assert.Contains("128", error.GetProperty("error").GetString());
        (status, _) = await Host.PostAsync("/embed", Json.Serialize(new { inputs = longText, truncate = true }));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_body_over_the_payload_limit_is_413_and_one_batch_under_it_is_fine()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)], PayloadLimit = 10_000 });
        var (status, error) = await host.PostAsync("/embed", Json.Serialize(new { inputs = new string('a', 20_000) }));
        Assert.Equal(413, (int)status);
        Assert.Equal("Validation", error.GetProperty("error_type").GetString());
        (status, _) = await host.PostAsync("/embed", Json.Serialize(new { inputs = new string('a', 5_000), truncate = true }));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Inputs_over_the_in_flight_limit_get_429()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)], MaxConcurrentRequests = 2 });
        var (status, error) = await host.PostAsync("/embed", Json.Serialize(new { inputs = new[] { "a", "b", "c" } }));
        Assert.Equal(429, (int)status);
        Assert.Equal("Overloaded", error.GetProperty("error_type").GetString());
        (status, _) = await host.PostAsync("/embed", Json.Serialize(new { inputs = new[] { "a", "b" } }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches("te_request_failure\\{err=\"overloaded\"\\} 1", await host.Client.GetStringAsync("/metrics"));
    }

    [Fact]
    public async Task A_model_that_fails_to_load_makes_the_server_unhealthy_not_dead()
    {
        string empty = Fixtures.TempDirectory("no-model");
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [empty] }, waitReady: false);
        await Assert.ThrowsAnyAsync<Exception>(() => host.Server.Ready.WaitAsync(TimeSpan.FromSeconds(30)));
        var (status, error) = await host.GetAsync("/health");
        Assert.Equal(503, (int)status);
        Assert.Equal("Unhealthy", error.GetProperty("error_type").GetString());
        Assert.Contains("config.json", error.GetProperty("error").GetString());
        (status, error) = await host.PostAsync("/embed", "{\"inputs\": \"a\"}");
        Assert.Equal(503, (int)status);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task The_api_key_guards_every_route_but_health_and_metrics()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)], ApiKey = "s3cret" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync("/embed", "{\"inputs\": \"a\"}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync("/embed", "{\"inputs\": \"a\"}", apiKey: "wrong")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.PostAsync("/v1/embeddings", "{\"input\": \"a\"}")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.GetAsync("/info")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/embed", "{\"inputs\": \"a\"}", apiKey: "s3cret")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.GetAsync("/health")).Status);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Split_client_batches_are_accepted_and_equal_the_library()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions
        {
            Models = [Fixtures.Model(TestServer.Dense)], MaxClientBatchSize = 3, SplitClientBatches = true,
        });
        var texts = Enumerable.Range(0, 10).Select(i => $"input number {i}").ToArray();
        var (status, body) = await host.PostAsync("/embed", Json.Serialize(new { inputs = texts }));
        Assert.Equal(HttpStatusCode.OK, status);
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        Json.BitEqual(model.Embed(texts), Json.Matrix(body));
    }
}
