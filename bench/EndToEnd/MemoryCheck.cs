namespace EmbedRt.Bench.EndToEnd;

/// <summary>
/// The memory command: one EmbedRt engine (a compute precision) in this fresh process loads the model and embeds a
/// batch of 128-token inputs; prints the peak resident set (VmHWM) so that a script can compare precisions, one
/// process each.
/// </summary>
internal sealed class MemoryCheck(Options options, Progress progress)
{
    public int Run()
    {
        var model = ModelInfo.Load(options.Model!);
        string engineName = options.Engines.Single();
        if (!engineName.StartsWith("embedrt", StringComparison.Ordinal)) throw new UsageException("memory measures one embedrt engine");
        var set = InputSets.Create("128", model, options.Scale, options.Seed);
        var started = DateTime.UtcNow;
        using var engine = BenchmarkRunner.CreateEmbedRt(engineName, model, options.Threads[0], options.BatchSize);
        double load = (DateTime.UtcNow - started).TotalSeconds;
        engine.Embed(set.Inputs);
        string peak = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        long kib = long.Parse(peak.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        progress.Report($"{engineName}: load {load:F1} s, {set.Inputs.Count} inputs embedded");
        Console.WriteLine($"{engineName} {kib / 1024} {load:F1}");
        return 0;
    }
}
