using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EmbedRt;
using EmbedRt.Bench.Serve;

// Load test of `embedrt serve` on loopback: throughput and p50/p99 latency at several client counts for short queries
// and 512-token documents, 429s above the in-flight limit, server RSS over a soak, and the same closed-loop load
// through the library in-process. Writes a markdown report. Bounded: every phase stops after its time.
// --granularity: only the in-process timing of per-request answers inside one merged call (Granularity.cs).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var options = Options.Parse(args);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = TimeSpan.FromMinutes(30) })
{
    Timeout = TimeSpan.FromMinutes(5),
};
var report = new Report(options.Output, args);
var words = "the of and to in is that for it as with was on be by this are from at or an which have not were has but all can one also more other such when into their time only new some these may than first any its after two where most well over many".Split(' ');
string Short(int client, int n) => $"what is the capital of country number {client * 100_000 + n}?";
var documents = Enumerable.Range(0, 64).Select(d =>
{
    var random = new Random(d);
    return string.Join(' ', Enumerable.Range(0, 700).Select(_ => words[random.Next(words.Length)]));
}).ToArray();
string Document(int client, int n) => documents[(client * 7 + n) % documents.Length];
string EmbedBody(string text) => JsonSerializer.Serialize(new Dictionary<string, object> { ["inputs"] = text, ["truncate"] = true });

using var model = EmbeddingModel.Load(options.Model, new EmbeddingOptions());
model.Embed(["warm up", Document(0, 0)]);
if (args.Contains("--granularity"))
{
    // In-process only: per-request answers vs whole-call answers for merged calls spanning several forward passes.
    Granularity.Header(report);
    foreach (int groups in new[] { 32, 64, 128 }) Granularity.Run(model, report, "short query", i => Short(i, 0), groups, rounds: 3);
    foreach (int groups in new[] { 8, 32, 64 }) Granularity.Run(model, report, "512-token document", i => Document(i, 0), groups, rounds: 1);
    return;
}
using (var server = await ServerProcess.StartAsync(options.Cli, $"--model {options.Model} {options.ServerArgs}", options.Port, http))
{
    string url = server.Url + "/embed";
    report.Line($"- server RSS after load and warm-up: {server.RssMiB():F0} MiB; load average at start: {File.ReadAllText("/proc/loadavg").Trim()}");
    await LoadRunner.HttpAsync(http, url, "warm-up", 8, TimeSpan.FromSeconds(2), (c, n) => EmbedBody(Short(c, n)));

    // Each level runs A-B-B-A (HTTP, library, library, HTTP; half the phase time each) so drift in machine load weighs on both.
    foreach (var (title, label, phase, text) in new (string, string, TimeSpan, Func<int, int, string>)[]
             {
                 ("one short query per request (~14 tokens)", "short", options.Phase, Short),
                 ("one 512-token document per request (truncate=true)", "512-token", options.DocumentPhase, Document),
             })
    {
        report.Table($"{title}: HTTP /embed vs the library in-process");
        foreach (int clients in options.Levels)
        {
            var half = phase / 2;
            var http1 = await LoadRunner.HttpAsync(http, url, $"http {label}", clients, half, (c, n) => EmbedBody(text(c, n)));
            var lib1 = await LoadRunner.LibraryAsync(model, $"library {label}", clients, half, text);
            var lib2 = await LoadRunner.LibraryAsync(model, $"library {label}", clients, half, text);
            var http2 = await LoadRunner.HttpAsync(http, url, $"http {label}", clients, half, (c, n) => EmbedBody(text(c, n)));
            report.Row(LoadResult.Merge(http1, http2), server.RssMiB());
            report.Row(LoadResult.Merge(lib1, lib2), double.NaN);
        }
    }

    report.Table($"Overload: {options.OverloadClients} clients against --max-concurrent-requests {options.MaxConcurrent} (short queries)");
    report.Row(await LoadRunner.HttpAsync(http, url, "http overload", options.OverloadClients, TimeSpan.FromSeconds(5), (c, n) => EmbedBody(Short(c, n))), server.RssMiB());

    if (options.Soak > TimeSpan.Zero)
    {
        report.Table($"Soak: {options.SoakClients} clients, short queries with every 4th request a 512-token document, {options.Soak.TotalMinutes:F1} min");
        var samples = new List<(double Minutes, double Rss)>();
        var clock = Stopwatch.StartNew();
        var soak = LoadRunner.HttpAsync(http, url, "http soak", options.SoakClients, options.Soak,
            (c, n) => EmbedBody(n % 4 == 0 ? Document(c, n) : Short(c, n)));
        while (!soak.IsCompleted)
        {
            samples.Add((clock.Elapsed.TotalMinutes, server.RssMiB()));
            await Task.WhenAny(soak, Task.Delay(TimeSpan.FromSeconds(10)));
        }
        report.Row(await soak, server.RssMiB());
        report.Line("");
        report.Line("| minute | server RSS MiB (max of samples) |");
        report.Line("|---:|---:|");
        foreach (var group in samples.GroupBy(s => (int)s.Minutes)) report.Line($"| {group.Key} | {group.Max(s => s.Rss):F0} |");
        report.Line($"\nRSS min {samples.Min(s => s.Rss):F0} MiB, max {samples.Max(s => s.Rss):F0} MiB over {samples.Count} samples (every 10 s).");
    }
}
report.Line("\n(RSS: the server process's VmRSS at the end of the phase; latency percentiles over completed requests; " +
            "cancelled: unanswered at twice the phase time, then dropped from the server's queue.)");

/// <summary>Command-line settings.</summary>
internal sealed record Options(string Cli, string Model, int[] Levels, TimeSpan Phase, TimeSpan DocumentPhase, int OverloadClients,
    int MaxConcurrent, TimeSpan Soak, int SoakClients, int Port, string ServerArgs, string Output)
{
    public static Options Parse(string[] args)
    {
        string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        return new Options(
            Get("--cli", "tools/Cli/bin/Release/net10.0/embedrt.dll"),
            Get("--model", "bench/.cache/models/bge-small"),
            Get("--levels", "1,8,64,256").Split(',').Select(int.Parse).ToArray(),
            TimeSpan.FromSeconds(double.Parse(Get("--seconds", "10"))),
            TimeSpan.FromSeconds(double.Parse(Get("--document-seconds", "15"))),
            int.Parse(Get("--overload-clients", "768")),
            int.Parse(Get("--max-concurrent-requests", "512")),
            TimeSpan.FromSeconds(double.Parse(Get("--soak-seconds", "0"))),
            int.Parse(Get("--soak-clients", "64")),
            int.Parse(Get("--port", "3931")),
            Get("--server-args", ""),
            Get("--output", $"bench/results/serve-{DateTime.UtcNow:yyyy-MM-dd}.md"));
    }
}

/// <summary>The markdown report, written as it grows so an interrupted run keeps what it measured.</summary>
internal sealed class Report
{
    private readonly string _path;

    public Report(string path, string[] args)
    {
        _path = path;
        var header = new StringBuilder();
        header.AppendLine($"# embedrt serve load test, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n");
        header.AppendLine($"- machine: {Cpu()}, {Environment.ProcessorCount} cores");
        header.AppendLine($"- commit: {Git("rev-parse --short HEAD")}");
        header.AppendLine($"- command: `dotnet bench/Serve/bin/Release/net10.0/embedrt-serve-bench.dll {string.Join(' ', args)}`");
        header.AppendLine("- loopback only; closed-loop clients (each sends its next request when the answer arrives); the load generator runs on the same 2 cores as the server");
        File.WriteAllText(path, header.ToString());
        Console.Write(header);
    }

    public void Line(string text)
    {
        File.AppendAllText(_path, text + "\n");
        Console.WriteLine(text);
    }

    public void Table(string title)
    {
        Line($"\n## {title}\n");
        Line("| load | clients | requests | req/s | p50 ms | p99 ms | 429 | cancelled | errors | server RSS MiB |");
        Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }

    public void Row(LoadResult r, double rss) =>
        Line($"| {r.Label} | {r.Clients} | {r.Completed} | {r.Throughput:F1} | {r.Percentile(50):F1} | {r.Percentile(99):F1} | {r.Refused} | {r.Cancelled} | {r.Failed} | {(double.IsNaN(rss) ? "-" : rss.ToString("F0"))} |");

    private static string Cpu() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "unknown CPU";

    private static string Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true })!;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
