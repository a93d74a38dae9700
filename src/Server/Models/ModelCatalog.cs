using EmbedRt.Loader.Config;
using EmbedRt.Server.Api;

namespace EmbedRt.Server.Models;

/// <summary>
/// The served models by name: loads and warms them in the background (the server answers 503 until all are
/// ready), finds the one a request names, and refuses new work once shutdown begins.
/// </summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly ModelServices _services;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private volatile bool _stopping;
    private volatile string? _failure;

    public ModelCatalog(ModelServices services)
    {
        _services = services;
        var options = services.Options;
        Names = options.Models.Select((dir, i) => i < options.ServedModelNames.Count ? options.ServedModelNames[i] : ServerOptions.DefaultServedName(dir)).ToArray();
        foreach (var name in Names) CheckName(name);
        if (Names.Distinct(StringComparer.Ordinal).Count() != Names.Count)
            throw new ArgumentException($"two models are served under one name ({string.Join(", ", Names)}); give --served-model-name for each");
    }

    /// <summary>Served names in --model order; the first is the default model.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Completes when every model is loaded and warmed; faults when one fails to load.</summary>
    public Task Ready => _ready.Task;

    public bool IsServing => _ready.Task.IsCompletedSuccessfully && !_stopping;

    /// <summary>Loads and warms the models one after another on a background thread.</summary>
    public void StartLoading() => Task.Run(() =>
    {
        try
        {
            var options = _services.Options;
            for (int i = 0; i < Names.Count; i++)
            {
                var model = Load(Names[i], options.Models[i]);
                lock (_lock) _models[Names[i]] = model;
                model.Start();
            }
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            _failure = e.Message;
            _ready.TrySetException(e);
        }
    });

    /// <summary>The model a request names (null: the default model).</summary>
    /// <exception cref="ApiException">503 while loading or shutting down; 404-like validation error for an unknown name.</exception>
    public ServedModel Get(string? name)
    {
        EnsureServing();
        name ??= Names[0];
        lock (_lock)
        {
            if (_models.TryGetValue(name, out var model)) return model;
        }
        throw new ApiException(ErrorType.Validation, $"model '{name}' is not served here (served: {string.Join(", ", Names)})", "model_not_found", "model")
        {
            StatusOverride = 404,
        };
    }

    /// <summary>All models, in --model order (after <see cref="Ready"/>).</summary>
    public IReadOnlyList<ServedModel> All
    {
        get { lock (_lock) return Names.Where(_models.ContainsKey).Select(n => _models[n]).ToArray(); }
    }

    /// <summary>Whether shutdown has begun (requests arriving from then on are refused).</summary>
    public bool Stopping => _stopping;

    /// <summary>
    /// Throws TEI's Unhealthy (503) unless every model is ready. Shutdown is checked when a request arrives (see
    /// <see cref="Routes.Responses.Handle"/>), not here: a request that arrived before it began is served to the end.
    /// </summary>
    public void EnsureServing()
    {
        if (_failure is { } failure) throw new ApiException(ErrorType.Unhealthy, $"a model failed to load: {failure}", "unhealthy");
        if (!_ready.Task.IsCompletedSuccessfully) throw new ApiException(ErrorType.Unhealthy, "the model is loading", "unhealthy");
    }

    /// <summary>Shutdown began: new requests get 503 while those admitted finish.</summary>
    public void StopAccepting() => _stopping = true;

    private ServedModel Load(string name, string directory)
    {
        var config = ModelConfig.Load(Path.Combine(directory, ModelConfig.FileName));
        if (config.Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal)))
            return new RerankerServedModel(name, directory, config, _services);
        if (HasHead(directory, "colbert_linear") && HasHead(directory, "sparse_linear"))
            return new M3ServedModel(name, directory, _services);
        return new DenseServedModel(name, directory, _services);
    }

    private static bool HasHead(string directory, string name) =>
        File.Exists(Path.Combine(directory, name + ".pt")) || File.Exists(Path.Combine(directory, name + ".safetensors"));

    /// <summary>Names become route prefixes: letters, digits and . _ - /, not starting or ending with /.</summary>
    private static void CheckName(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name[^1] == '/' || name.Contains("//")
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/'))
            throw new ArgumentException($"served model name '{name}' must be letters, digits and . _ - / (not at either end)");
    }

    public void Dispose()
    {
        foreach (var model in All) model.Dispose();
    }
}
