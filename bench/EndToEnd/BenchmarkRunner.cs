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
            var byEngine = MeasureInterleaved(model, set, threads, batch, perCall);
            double? minCosine = byEngine.ContainsKey("ort") && byEngine.ContainsKey("embedrt")
                ? Pooling.MinCosine(byEngine["ort"].Vectors, byEngine["embedrt"].Vectors) : null;
            var row = new ResultRow(model, set, threads, perCall ? 1 : batch, perCall, byEngine, minCosine);
            progress.Report(Summary(row));
            rows.Add(row);
        }
        progress.Stage = "";
        return rows;
    }

    /// <summary>
    /// All engines are loaded and warmed up, then timed in blocks ordered A B … B A (the engine list forward, then
    /// backward), half the repetitions per block: a drift in the machine's load during the row (a shared machine)
    /// then weighs on every engine alike instead of on whichever ran last. One engine alone runs one block.
    /// </summary>
    private Dictionary<string, Measurement> MeasureInterleaved(ModelInfo model, InputSet set, int threads, int batch, bool perCall)
    {
        var engines = new List<IEmbeddingEngine>();
        try
        {
            var timings = new Dictionary<string, Measurement.Timings>();
            foreach (var name in options.Engines)
            {
                var engine = CreateEngine(name, model, threads, perCall ? 1 : batch);
                engines.Add(engine);
                timings[name] = new Measurement.Timings(engine, set, perCall, progress);
                timings[name].WarmUp(options.Warmup);
            }
            var names = options.Engines.ToList();
            if (names.Count == 1)
            {
                timings[names[0]].Time(options.Repetitions, options.Repetitions);
            }
            else
            {
                int first = (options.Repetitions + 1) / 2, second = options.Repetitions - first;
                foreach (var name in names) timings[name].Time(first, options.Repetitions);
                foreach (var name in Enumerable.Reverse(names)) timings[name].Time(second, options.Repetitions);
            }
            return names.ToDictionary(name => name, name => perCall
                ? Measurement.Latency(timings[name], set)
                : Measurement.Throughput(timings[name], set));
        }
        finally
        {
            foreach (var engine in engines) engine.Dispose();
        }
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

    /// <summary>
    /// embedrt, embedrt-bf16, embedrt-int8: EmbedRt in that compute precision. ort, ort-sorted, ort-int8,
    /// ort-int8-sorted: ONNX Runtime on the float32 export or its int8 form (onnx/model-int8.onnx, written by
    /// tools/onnx2hf quantize), batches in input order or sorted by length.
    /// </summary>
    private IEmbeddingEngine CreateEngine(string name, ModelInfo model, int threads, int batch)
    {
        progress.Report($"{name}: loading");
        if (name.StartsWith("embedrt", StringComparison.Ordinal)) return CreateEmbedRt(name, model, threads, batch);
        bool int8 = name.Contains("-int8"), sorted = name.EndsWith("-sorted", StringComparison.Ordinal);
        string? optimized = options.OrtOptimizedDirectory is { } dir
            ? Path.Combine(Directory.CreateDirectory(dir).FullName, $"{model.Name}.{name}-optimized.onnx") : null;
        return new OrtEngine(name, int8 ? model.Int8OnnxPath : model.OnnxPath, threads, batch, model.PadId, sorted, optimized);
    }

    public static IEmbeddingEngine CreateEmbedRt(string name, ModelInfo model, int threads, int batch) => name switch
    {
        "embedrt-bf16" => new EmbedRtEngine(name, model.Directory, threads, batch, ComputePrecision.BFloat16),
        "embedrt-int8" => new EmbedRtEngine(name, model.Directory, threads, batch, ComputePrecision.Int8),
        _ => new EmbedRtEngine(name, model.Directory, threads, batch, ComputePrecision.Float32),
    };

    private static string Summary(ResultRow row)
    {
        var parts = row.ByEngine.Select(e => $"{e.Key} {e.Value.SequencesPerSecond:F1} seq/s" +
            (e.Value.MedianLatencyMs is { } ms ? $" ({ms:F2} ms p50)" : ""));
        string speedup = row.Speedup is { } s ? $", embedrt/ort {s:F2}x" : "";
        string cosine = row.MinCosine is { } c ? $", min cosine {c:F6}" : "";
        return $"done: {string.Join(", ", parts)}{speedup}{cosine}";
    }
}
