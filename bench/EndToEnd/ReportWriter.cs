using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>The markdown result file: machine, method, models, input sets, and the comparison table.</summary>
internal static class ReportWriter
{
    public static string Write(IReadOnlyList<ResultRow> rows, Options options, string command, DateTime started,
        string loadAverageAtStart)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        Line($"# EmbedRt vs ONNX Runtime — end to end, {started:yyyy-MM-dd}");
        Line();
        Line($"- Date: {started:yyyy-MM-dd HH:mm} UTC");
        Line($"- Machine: {MachineInfo.CpuModel()}, {Environment.ProcessorCount} logical cores; SIMD: {MachineInfo.SimdTier()}");
        Line($"- OS: {RuntimeInformation.OSDescription}; {RuntimeInformation.FrameworkDescription}; " +
             $"ONNX Runtime {OrtEnv.Instance().GetVersionString()} (CPU)");
        Line($"- Load average at start (1/5/15 min): {loadAverageAtStart} — other work on the machine skews timings");
        Line($"- Commit: {MachineInfo.GitCommit()}");
        Line($"- Command: `{command}`");
        Line($"- Repetitions: {options.Warmup} warm-up + {options.Repetitions} timed runs per row and engine, both engines loaded and timed in blocks ordered ORT, EmbedRt, EmbedRt, ORT (half the runs each) so that a drift in machine load weighs on both alike; medians reported");
        Line();
        Line("Method: both engines get identical token ids (random ordinary ids framed [CLS] … [SEP], seeded) for the");
        Line("same random-weight model (tools/modelgen). ONNX Runtime runs the model's ONNX export with");
        Line("ORT_ENABLE_ALL, intra-op threads = the row's thread count, inter-op 1, inputs in order cut into batches");
        Line("padded to the batch's longest input (as fastembed does); its last_hidden_state is mean-pooled over the");
        Line("attention mask and L2-normalized in C#. EmbedRt runs `EmbeddingModel.Load(dir, { Threads, BatchSize,");
        Line("Pooling = Mean, Normalize = true })` and `Embed(IReadOnlyList<TokenEncoding>)`; how it batches is its own");
        Line("business. tokens/s counts real tokens only (no padding) for both. Batch-1 rows call Embed once per input;");
        Line("latency is per call. `EmbedRt/ORT` is EmbedRt throughput over ORT's (above 1: EmbedRt faster).");
        Line("`min cos` is the smallest cosine between the two engines' vectors over the row's inputs.");
        Line();

        Line("## Models");
        Line();
        Line("| model | architecture |");
        Line("|---|---|");
        foreach (var model in rows.Select(r => r.Model).DistinctBy(m => m.Name)) Line($"| {model.Name} | {model.Summary} |");
        Line();

        Line("## Input sets");
        Line();
        Line("| set | lengths | inputs | tokens | mean length |");
        Line("|---|---|---:|---:|---:|");
        foreach (var set in rows.Select(r => r.Set).DistinctBy(s => s.Name))
            Line($"| {set.Name} | {set.Description} | {set.Inputs.Count} | {set.TokenCount} | " +
                 $"{F((double)set.TokenCount / set.Inputs.Count, 1)} |");
        Line();

        Line("## Results");
        Line();
        Line("| model | set | threads | batch | ORT seq/s | EmbedRt seq/s | ORT tok/s | EmbedRt tok/s | ORT latency p50 / p90 ms | EmbedRt latency p50 / p90 ms | EmbedRt/ORT | min cos |");
        Line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            row.ByEngine.TryGetValue("ort", out var ort);
            row.ByEngine.TryGetValue("embedrt", out var ert);
            Line($"| {row.Model.Name} | {row.Set.Name} | {row.Threads} | {row.BatchSize} | " +
                 $"{F(ort?.SequencesPerSecond, 1)} | {F(ert?.SequencesPerSecond, 1)} | " +
                 $"{F(ort?.TokensPerSecond, 0)} | {F(ert?.TokensPerSecond, 0)} | " +
                 $"{LatencyCell(ort)} | {LatencyCell(ert)} | " +
                 $"{(row.Speedup is { } s ? F(s, 2) + "×" : "—")} | {F(row.MinCosine, 6)} |");
        }
        Line();
        if (rows.Any(r => r.ByEngine.Keys.Any(k => k is not ("ort" or "embedrt")))) AllEngines(rows, Line);
        return md.ToString();
    }

    /// <summary>
    /// Every engine of every row, with its throughput as a ratio to EmbedRt float32 and to the peers' strongest
    /// setups (ONNX Runtime float32 and int8 with length-sorted batches), and its vectors' worst cosine to EmbedRt float32's.
    /// </summary>
    private static void AllEngines(IReadOnlyList<ResultRow> rows, Action<string> line)
    {
        line("## All engines");
        line("");
        line("embedrt-bf16 / embedrt-int8: EmbedRt with bf16 / int8 compute; ort-int8: ONNX Runtime on the int8 ONNX");
        line("(DynamicQuantizeMatMul, tools/onnx2hf quantize); -sorted: ONNX Runtime batches sorted by length (what");
        line("sentence-transformers' encode does: the fair peer); without -sorted: batches in input order (what");
        line("fastembed-style callers get). Ratios are throughput over the named engine's in the same row (ABBA-timed).");
        line("");
        line("| model | set | threads | batch | engine | seq/s | tok/s | latency p50 ms | × embedrt | × ort-sorted | × ort-int8-sorted | min cos vs embedrt |");
        line("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            row.ByEngine.TryGetValue("embedrt", out var float32);
            foreach (var (name, m) in row.ByEngine)
            {
                string Ratio(string baseline) => row.ByEngine.TryGetValue(baseline, out var b) && baseline != name
                    ? F(m.SequencesPerSecond / b.SequencesPerSecond, 2) + "×" : "—";
                double? cosine = float32 is not null && name != "embedrt" ? Pooling.MinCosine(m.Vectors, float32.Vectors) : null;
                line($"| {row.Model.Name} | {row.Set.Name} | {row.Threads} | {row.BatchSize} | {name} | {F(m.SequencesPerSecond, 1)} | " +
                     $"{F(m.TokensPerSecond, 0)} | {F(m.MedianLatencyMs, 2)} | {Ratio("embedrt")} | {Ratio("ort-sorted")} | " +
                     $"{Ratio("ort-int8-sorted")} | {F(cosine, 6)} |");
            }
        }
        line("");
    }

    private static string LatencyCell(Measurement? m) =>
        m?.MedianLatencyMs is { } p50 && m.P90LatencyMs is { } p90 ? $"{F(p50, 2)} / {F(p90, 2)}" : "—";

    private static string F(double? value, int decimals) =>
        value is { } v ? v.ToString("N" + decimals, CultureInfo.InvariantCulture) : "—";
}
