using System.ClientModel;
using EmbedRt.Server;
using EmbedRt.Tokenization;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace EmbedRt.Server.Tests;

/// <summary>/v1/embeddings over raw HTTP, through the official OpenAI .NET client, and through Microsoft.Extensions.AI.</summary>
public sealed class OpenAiTests(AllModelsServer fixture) : IClassFixture<AllModelsServer>
{
    private static readonly string[] Texts = ["hello world", "OpenAI-shaped request", "向量"];

    private TestServer Host => fixture.Host;

    private static float[][] LibraryVectors(string[] texts)
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        return model.Embed(texts);
    }

    [Fact]
    public async Task Float_and_base64_answers_carry_the_library_vectors_and_usage()
    {
        var expected = LibraryVectors(Texts);
        var (status, body) = await Host.PostAsync("/v1/embeddings", Json.Serialize(new { input = Texts, model = TestServer.Dense }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal(TestServer.Dense, body.GetProperty("model").GetString());
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2], data.Select(d => d.GetProperty("index").GetInt32()));
        Json.BitEqual(expected, data.Select(d => Json.Floats(d.GetProperty("embedding"))).ToArray());
        int tokens = body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        using (var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense)))
            Assert.Equal(Texts.Sum(t => model.Tokenizer.Encode(t).Ids.Length), tokens);
        Assert.Equal(tokens, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        (_, body) = await Host.PostAsync("/v1/embeddings", Json.Serialize(new { input = Texts, encoding_format = "base64" }));
        var decoded = body.GetProperty("data").EnumerateArray()
            .Select(d => Convert.FromBase64String(d.GetProperty("embedding").GetString()!))
            .Select(bytes => Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray()).ToArray();
        Json.BitEqual(expected, decoded);
    }

    [Fact]
    public async Task Token_lists_are_accepted()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model(TestServer.Dense), new EmbeddingOptions { Normalize = true });
        var ids = Texts.Select(t => model.Tokenizer.Encode(t).Ids).ToArray();
        var expected = model.Embed(ids.Select(i => new TokenEncoding(i, new int[i.Length])).ToArray());
        var (status, body) = await Host.PostAsync("/v1/embeddings", Json.Serialize(new { input = ids }));
        Assert.Equal(HttpStatusCode.OK, status);
        Json.BitEqual(expected, body.GetProperty("data").EnumerateArray().Select(d => Json.Floats(d.GetProperty("embedding"))).ToArray());
        (_, body) = await Host.PostAsync("/v1/embeddings", Json.Serialize(new { input = ids[0] }));
        Json.BitEqual(expected[0], Json.Floats(body.GetProperty("data")[0].GetProperty("embedding")));
    }

    [Theory]
    [InlineData("{\"input\": []}", 400, "input")]
    [InlineData("{\"input\": \"a\", \"encoding_format\": \"int8\"}", 422, "encoding_format")]
    [InlineData("{\"input\": \"a\", \"dimensions\": -1}", 422, "dimensions")]
    [InlineData("{\"input\": \"a\", \"model\": \"gpt-nothing\"}", 404, "model")]
    [InlineData("{\"input\": \"a\", \"model\": \"xlmr-tiny-reranker\"}", 424, null)]
    [InlineData("{\"input\": [true]}", 422, "input")]
    [InlineData("{\"input\": ", 422, null)]
    [InlineData("{\"input\": \"a\", \"model\": \"bert-tiny-uncased\", \"input\": \"b\"}", 422, null)]
    public async Task Errors_have_the_OpenAI_shape(string request, int status, string? param)
    {
        var (code, body) = await Host.PostAsync("/v1/embeddings", request);
        Assert.Equal(status, (int)code);
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        if (param is not null) Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_OpenAI_dotnet_client_gets_the_library_vectors()
    {
        var client = new EmbeddingClient(TestServer.Dense, new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(Host.BaseAddress, "/v1") });
        var expected = LibraryVectors(Texts);

        OpenAIEmbedding one = await client.GenerateEmbeddingAsync(Texts[0]);
        Json.BitEqual(expected[0], one.ToFloats().ToArray());

        OpenAIEmbeddingCollection many = await client.GenerateEmbeddingsAsync(Texts);
        Json.BitEqual(expected, many.Select(e => e.ToFloats().ToArray()).ToArray());
        Assert.True(many.Usage.InputTokenCount > Texts.Length);

        OpenAIEmbeddingCollection small = await client.GenerateEmbeddingsAsync(Texts, new OpenAI.Embeddings.EmbeddingGenerationOptions { Dimensions = 16 });
        Assert.All(small, e => Assert.Equal(16, e.ToFloats().Length));

        var m3 = new EmbeddingClient(TestServer.M3, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(Host.BaseAddress, "/v1") });
        using var m3Model = EmbedRt.M3.BgeM3Model.Load(Fixtures.Model(TestServer.M3));
        OpenAIEmbedding m3Vector = await m3.GenerateEmbeddingAsync(Texts[1]);
        Json.BitEqual(m3Model.Encode([Texts[1]])[0].Dense, m3Vector.ToFloats().ToArray());
    }

    [Fact]
    public async Task The_Microsoft_Extensions_AI_generator_gets_the_library_vectors()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = new EmbeddingClient(TestServer.Dense, new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(Host.BaseAddress, "/v1") }).AsIEmbeddingGenerator();
        var embeddings = await generator.GenerateAsync(Texts);
        Json.BitEqual(LibraryVectors(Texts), embeddings.Select(e => e.Vector.ToArray()).ToArray());
        Assert.True(embeddings.Usage?.InputTokenCount > 0);
    }

    [Fact]
    public async Task The_OpenAI_client_sends_the_api_key()
    {
        await using var host = await TestServer.StartAsync(new ServerOptions { Models = [Fixtures.Model(TestServer.Dense)], ApiKey = "k-123" });
        var options = new OpenAIClientOptions { Endpoint = new Uri(host.BaseAddress, "/v1") };
        OpenAIEmbedding ok = await new EmbeddingClient(TestServer.Dense, new ApiKeyCredential("k-123"), options).GenerateEmbeddingAsync("a");
        Assert.Equal(64, ok.ToFloats().Length);
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            new EmbeddingClient(TestServer.Dense, new ApiKeyCredential("wrong"), options).GenerateEmbeddingAsync("a"));
        Assert.Equal(401, refused.Status);
    }
}
