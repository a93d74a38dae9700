namespace EmbedRt.Bench.EndToEnd;

/// <summary>Runs the models × input sets × threads × batch matrix for the selected engines.</summary>
internal sealed class BenchmarkRunner(Options options, Progress progress)
{
    public List<ResultRow> Run()
    {
        var plan = Plan();
        var rows = new List<ResultRow>();
        ModelInfo? model = null;
        InputSet? set = null;
        for (int index = 0; index < plan.Count; index++)
        {
            var (modelName, setName, threads, batch, perCall) = plan[index];
            if (model?.Name != modelName)
            {
                model = ModelInfo.Load(Path.Combine(options.ModelsDirectory, modelName));
                set = null;
            }
            if (set?.Name != setName) set = InputSets.Create(setName, model, options.Scale, options.Seed);
            progress.Stage = $"[{index + 1}/{plan.Count}] {modelName} {setName} threads={threads} " +
                             (perCall ? "batch=1 (one input per call)" : $"batch={batch}");
            progress.Report($"{set.Inputs.Count} inputs, {set.TokenCount} tokens");
            var byEngine = new Dictionary<string, Measurement>();
            foreach (var engineName in options.Engines)
            {
                using var engine = CreateEngine(engineName, model, threads, perCall ? 1 : batch);
                byEngine[engineName] = perCall
                    ? Measurement.Latency(engine, set, options.Warmup, options.Repetitions, progress)
                    : Measurement.Throughput(engine, set, options.Warmup, options.Repetitions, progress);
            }
            double? minCosine = byEngine.Count == 2
                ? Pooling.MinCosine(byEngine["ort"].Vectors, byEngine["embedrt"].Vectors) : null;
            var row = new ResultRow(model, set, threads, perCall ? 1 : batch, perCall, byEngine, minCosine);
            progress.Report(Summary(row));
            rows.Add(row);
        }
        progress.Stage = "";
        return rows;
    }

    private List<(string Model, string Set, int Threads, int Batch, bool PerCall)> Plan()
    {
        var plan = new List<(string, string, int, int, bool)>();
        foreach (var model in options.Models)
            foreach (var set in options.Sets.Union(options.LatencySets))
                foreach (int threads in options.Threads)
                {
                    if (options.Sets.Contains(set)) plan.Add((model, set, threads, options.BatchSize, false));
                    if (options.LatencySets.Contains(set)) plan.Add((model, set, threads, 1, true));
                }
        return plan;
    }

    private IEmbeddingEngine CreateEngine(string name, ModelInfo model, int threads, int batch)
    {
        progress.Report($"{name}: loading");
        if (name == "embedrt") return new EmbedRtEngine(model.Directory, threads, batch);
        string? optimized = options.OrtOptimizedDirectory is { } dir
            ? Path.Combine(Directory.CreateDirectory(dir).FullName, $"{model.Name}.ort-optimized.onnx") : null;
        return new OrtEngine(model.OnnxPath, threads, batch, model.PadId, optimized);
    }

    private static string Summary(ResultRow row)
    {
        var parts = row.ByEngine.Select(e => $"{e.Key} {e.Value.SequencesPerSecond:F1} seq/s" +
            (e.Value.MedianLatencyMs is { } ms ? $" ({ms:F2} ms p50)" : ""));
        string speedup = row.Speedup is { } s ? $", embedrt/ort {s:F2}x" : "";
        string cosine = row.MinCosine is { } c ? $", min cosine {c:F6}" : "";
        return $"done: {string.Join(", ", parts)}{speedup}{cosine}";
    }
}
