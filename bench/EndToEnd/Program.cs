using EmbedRt.Bench.EndToEnd;

var progress = new Progress();
Options options;
try
{
    options = Options.Parse(args);
}
catch (UsageException e)
{
    if (e.Message.Length > 0) Console.Error.WriteLine($"error: {e.Message}\n");
    Console.Error.WriteLine(Options.Usage);
    return e.Message.Length > 0 ? 64 : 0;
}

try
{
    if (options.Command == "verify") return new ReferenceCheck(options, progress).Run() ? 0 : 1;
    if (options.Command == "memory") return new MemoryCheck(options, progress).Run();

    var started = DateTime.UtcNow;
    string loadAverage = MachineInfo.LoadAverage();
    string command = Environment.GetEnvironmentVariable("EMBEDRT_E2E_COMMAND")
                     ?? "embedrt-e2e " + string.Join(' ', args);
    var rows = new BenchmarkRunner(options, progress).Run();
    string report = ReportWriter.Write(rows, options, command, started, loadAverage);
    string output = options.Output ?? Path.Combine("bench", "results", $"e2e-{started:yyyy-MM-dd}.md");
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    File.WriteAllText(output, report);
    Console.Write(report);
    progress.Report($"wrote {output}");

    var disagreeing = rows.Where(r => r.MinCosine < options.MinCosine).ToList();
    foreach (var row in disagreeing)
        Console.Error.WriteLine($"error: {row.Model.Name} {row.Set.Name} threads={row.Threads} batch={row.BatchSize}: " +
                                $"min cosine {row.MinCosine:F6} < {options.MinCosine}");
    return disagreeing.Count == 0 ? 0 : 2;
}
catch (NotImplementedException e)
{
    Console.Error.WriteLine($"error: EmbedRt is not implemented yet ({e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}); " +
                            "run with --engines ort for an ONNX Runtime-only run.");
    return 3;
}
catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
