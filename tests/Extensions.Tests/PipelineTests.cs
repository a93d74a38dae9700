using System.Diagnostics;
using EmbedRt.Extensions.AI;
using EmbedRt.TestKit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EmbedRt.Extensions.Tests;

/// <summary>The generator registered with AddEmbedRtEmbeddingGenerator and composed with the standard middleware.</summary>
public class PipelineTests
{
    [Fact]
    public async Task Caching_logging_and_telemetry_compose_over_the_registered_generator()
    {
        var logs = new RecordingLoggerProvider();
        var calls = 0;
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        services.AddEmbedRtEmbeddingGenerator(Fixtures.Model("bert-tiny-uncased"))
            .UseDistributedCache()
            .UseLogging()
            .UseOpenTelemetry(sourceName: "embedrt-test")
            .Use((values, options, next, ct) => { Interlocked.Increment(ref calls); return next.GenerateAsync(values, options, ct); });

        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "embedrt-test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);

        long firstTokens;
        await using (var provider = services.BuildServiceProvider())
        {
            var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            var first = await generator.GenerateAsync(["hello world", "cached text"], new EmbeddingGenerationOptions { Dimensions = 32 });
            var second = await generator.GenerateAsync(["hello world", "cached text"], new EmbeddingGenerationOptions { Dimensions = 32 });
            Assert.Equal(1, calls);   // the second call came from the cache
            for (int i = 0; i < 2; i++) Assert.Equal(first[i].Vector.ToArray(), second[i].Vector.ToArray());
            Assert.Equal(32, second[0].Vector.Length);

            var model = generator.GetService<EmbeddingModel>();
            Assert.NotNull(model);
            Assert.Equal(Matryoshka(model.Embed(["hello world"])[0], 32), first[0].Vector.ToArray());
            // The caching layer rebuilds the result per value and drops usage; the telemetry layer below it sees ours.
            firstTokens = model.CountTokens(["hello world", "cached text"]);
            Assert.Equal("EmbedRt", generator.GetService<EmbeddingGeneratorMetadata>()!.ProviderName);

            await generator.GenerateAsync(["a different text"]);
            Assert.Equal(2, calls);
        }

        Assert.Contains(logs.Messages, m => m.Contains("GenerateAsync", StringComparison.Ordinal));
        Assert.Equal(2, activities.Count);   // the cached call never reached the telemetry layer
        Assert.Equal(firstTokens, Convert.ToInt64(activities[0].GetTagItem("gen_ai.usage.input_tokens")));
        Assert.Equal("bert-tiny-uncased", activities[0].GetTagItem("gen_ai.request.model"));
    }

    [Fact]
    public async Task Keyed_registrations_serve_different_models_and_the_container_disposes_them()
    {
        var services = new ServiceCollection();
        services.AddKeyedEmbedRtEmbeddingGenerator("en", Fixtures.Model("bert-tiny-uncased"));
        services.AddKeyedEmbedRtEmbeddingGenerator("zh", Fixtures.Model("bert-tiny-zh"), generatorOptions: new() { ModelId = "zh-tiny" });
        EmbeddingModel en;
        await using (var provider = services.BuildServiceProvider())
        {
            var english = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("en");
            var chinese = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("zh");
            Assert.Equal(64, (await english.GenerateAsync(["hi"]))[0].Vector.Length);
            Assert.Equal(48, (await chinese.GenerateAsync(["你好"]))[0].Vector.Length);
            Assert.Equal("zh-tiny", chinese.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelId);
            en = english.GetService<EmbeddingModel>()!;
        }
        Assert.Throws<ObjectDisposedException>(() => en.Embed(["x"]));
    }

    [Fact]
    public async Task A_bad_model_folder_fails_on_first_resolve_naming_the_folder()
    {
        var services = new ServiceCollection();
        services.AddEmbedRtEmbeddingGenerator("/nonexistent/model");
        await using var provider = services.BuildServiceProvider();
        var e = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Contains("/nonexistent/model", e.Message);
    }

    private static float[] Matryoshka(float[] vector, int dimensions) => EmbedRt.Output.Matryoshka.Truncate(vector, dimensions, normalize: true);

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() { }

        private sealed class Logger(RecordingLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner.Messages) owner.Messages.Add(formatter(state, exception));
            }
        }
    }
}
