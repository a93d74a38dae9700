using System.Collections.Concurrent;
using EmbedRt.TestKit;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>Loads each (model, kernels, pooling, normalize, weights) combination once per test run and shares it.</summary>
public static class LoadedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<EmbeddingModel>> Models = new();

    public static EmbeddingModel Get(string model, KernelChoice kernels, PoolingMode pooling, bool? normalize,
        WeightPrecision weights = WeightPrecision.Float32)
    {
        string key = $"{model}|{kernels}|{pooling}|{normalize}|{weights}";
        var lazy = Models.GetOrAdd(key, _ => new Lazy<EmbeddingModel>(() => EmbeddingModel.Load(Fixtures.Model(model),
            new EmbeddingOptions { Kernels = kernels, Pooling = pooling, Normalize = normalize, Threads = 2, Weights = weights })));
        return lazy.Value;
    }
}
