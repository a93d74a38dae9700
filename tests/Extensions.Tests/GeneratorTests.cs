using EmbedRt.Extensions.AI;
using EmbedRt.TestKit;
using Microsoft.Extensions.AI;

namespace EmbedRt.Extensions.Tests;

/// <summary>The generators called directly: values, Matryoshka dimensions, usage, metadata, errors, cancellation.</summary>
public class GeneratorTests : IDisposable
{
    private static readonly string[] s_texts = ["hello world", "The quick brown fox.", "a", "embedding models map text to vectors"];
    private readonly EmbeddingModel _model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"));

    public void Dispose() => _model.Dispose();

    [Fact]
    public async Task Float_embeddings_are_the_models_vectors_in_input_order_with_usage()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model, new() { BatchSize = 3 });
        var result = await generator.GenerateAsync(s_texts);
        var expected = _model.Embed(s_texts);
        Assert.Equal(s_texts.Length, result.Count);
        for (int i = 0; i < s_texts.Length; i++)
        {
            Assert.Equal(expected[i], result[i].Vector.ToArray());
            Assert.Equal("bert-tiny-uncased", result[i].ModelId);
            Assert.NotNull(result[i].CreatedAt);
        }
        int tokens = s_texts.Sum(t => _model.Tokenizer.Encode(t).Ids.Length);
        Assert.Equal(tokens, result.Usage!.InputTokenCount);
        Assert.Equal(tokens, result.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Dimensions_truncate_and_renormalize()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model);
        var full = _model.Embed(s_texts);
        var result = await generator.GenerateAsync(s_texts, new EmbeddingGenerationOptions { Dimensions = 16 });
        for (int i = 0; i < s_texts.Length; i++)
        {
            var v = result[i].Vector.Span;
            Assert.Equal(16, v.Length);
            double norm = Math.Sqrt(v.ToArray().Sum(x => (double)x * x));
            Assert.Equal(1.0, norm, 5);
            double scale = Math.Sqrt(full[i].Take(16).Sum(x => (double)x * x));
            for (int d = 0; d < 16; d++) Assert.Equal(full[i][d] / scale, v[d], 1e-6);
        }
    }

    [Theory]
    [InlineData(65), InlineData(1000)]
    public async Task Dimensions_above_the_models_are_rejected_naming_its_size(int dimensions)
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model);
        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = dimensions }));
        Assert.Contains("between 1 and the model's 64", e.Message);
    }

    [Fact]
    public void Dimensions_of_zero_or_less_are_refused_by_the_options_type_itself()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingGenerationOptions { Dimensions = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingGenerationOptions { Dimensions = -1 });
    }

    [Fact]
    public async Task Another_model_id_or_an_unknown_prompt_is_rejected()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model);
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { ModelId = "other" }));
        var options = new EmbeddingGenerationOptions { AdditionalProperties = new() { [EmbedRtEmbeddingGenerator.PromptNameProperty] = "nope" } };
        await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], options));
    }

    [Fact]
    public async Task A_literal_prompt_goes_before_every_text()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model);
        var options = new EmbeddingGenerationOptions { AdditionalProperties = new() { [EmbedRtEmbeddingGenerator.PromptProperty] = "query: " } };
        var result = await generator.GenerateAsync(["fox"], options);
        Assert.Equal(_model.Embed(["fox"], prompt: "query: ")[0], result[0].Vector.ToArray());
        Assert.NotEqual(_model.Embed(["fox"])[0], result[0].Vector.ToArray());
    }

    [Fact]
    public void GetService_returns_metadata_the_model_and_the_generator()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model, new() { ModelId = "tiny" });
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("EmbedRt", metadata.ProviderName);
        Assert.Equal("tiny", metadata.DefaultModelId);
        Assert.Equal(64, metadata.DefaultModelDimensions);
        Assert.Same(_model, generator.GetService<EmbeddingModel>());
        Assert.Same(generator, generator.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Null(generator.GetService<EmbeddingModel>("some key"));
        Assert.Null(generator.GetService<string>());
    }

    [Fact]
    public async Task Cancellation_is_observed_between_batches()
    {
        using var generator = new EmbedRtEmbeddingGenerator(_model, new() { BatchSize = 2 });
        using var cts = new CancellationTokenSource();
        int pulled = 0;
        IEnumerable<string> Values()
        {
            for (int i = 0; i < 6; i++)
            {
                if (i == 2) cts.Cancel();   // cancelled while the first batch is being read: the second never runs
                pulled++;
                yield return "text " + i;
            }
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(Values(), cancellationToken: cts.Token));
        Assert.InRange(pulled, 3, 4);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(["x"], cancellationToken: cts.Token));
    }

    [Fact]
    public async Task Half_and_binary_generators_encode_the_float_vectors()
    {
        var floats = _model.Embed(s_texts);
        using var half = new EmbedRtHalfEmbeddingGenerator(_model);
        var halves = await half.GenerateAsync(s_texts);
        for (int i = 0; i < s_texts.Length; i++)
            Assert.Equal(floats[i].Select(x => (Half)x), halves[i].Vector.ToArray());

        using var binary = new EmbedRtBinaryEmbeddingGenerator(_model);
        var bits = await binary.GenerateAsync(s_texts, new EmbeddingGenerationOptions { Dimensions = 40 });
        for (int i = 0; i < s_texts.Length; i++)
        {
            Assert.Equal(40, bits[i].Dimensions);
            for (int d = 0; d < 40; d++) Assert.Equal(floats[i][d] > 0, bits[i].Vector[d]);
        }
    }

    [Fact]
    public async Task Disposing_an_owning_generator_disposes_the_model()
    {
        var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"));
        var generator = new EmbedRtEmbeddingGenerator(model, new() { OwnsModel = true });
        generator.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Embed(["x"]));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => generator.GenerateAsync(["x"]));
    }
}
