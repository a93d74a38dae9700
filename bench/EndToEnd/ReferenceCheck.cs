using System.Text.Json;
using EmbedRt.Tokenization;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>
/// Checks the engines against a float64 reference (export_onnx.py --reference): ORT's last_hidden_state and
/// mean, each input alone and all inputs in one padded batch; EmbedRt's vectors with the folder's own pooling.
/// </summary>
internal sealed class ReferenceCheck(Options options, Progress progress)
{
    private sealed record Case(TokenEncoding Encoding, double[][]? LastHiddenState, double[] Mean, double[] Embedding);

    public bool Run()
    {
        var cases = LoadCases(options.Reference!);
        var model = ModelInfo.Load(options.Model!);
        int threads = options.Threads[0];
        progress.Report($"{cases.Count} reference cases from {options.Reference}, model {model.Name} ({model.Summary})");
        bool ok = true;
        // The float32 engines only: sorting changes no vector, and the quantized ones are not float64-exact.
        if (options.Engines.Contains("ort")) ok &= CheckOrt(model, cases, threads);
        if (options.Engines.Contains("embedrt")) ok &= CheckEmbedRt(model, cases, threads);
        return ok;
    }

    private bool CheckOrt(ModelInfo model, List<Case> cases, int threads)
    {
        using var ort = new OrtEngine("ort", model.OnnxPath, threads, cases.Count, model.PadId, sortByLength: false);
        float[][] alone = cases.Select(c => ort.LastHiddenStates([c.Encoding])[0]).ToArray();
        float[][] batched = ort.LastHiddenStates(cases.Select(c => c.Encoding).ToList());
        bool ok = true;
        foreach (var (label, outputs) in new[] { ("one input per run", alone), ("one padded batch", batched) })
        {
            double stateError = 0, meanError = 0;
            int statesCompared = 0;
            for (int i = 0; i < cases.Count; i++)
            {
                var c = cases[i];
                int hidden = c.Mean.Length;
                if (c.LastHiddenState is { } expected)
                {
                    statesCompared++;
                    for (int t = 0; t < expected.Length; t++)
                        for (int j = 0; j < hidden; j++)
                            stateError = Math.Max(stateError, Math.Abs(outputs[i][t * hidden + j] - expected[t][j]));
                }
                for (int j = 0; j < hidden; j++)
                {
                    double sum = 0;
                    for (int t = 0; t < c.Encoding.Ids.Length; t++) sum += outputs[i][t * hidden + j];
                    meanError = Math.Max(meanError, Math.Abs(sum / c.Encoding.Ids.Length - c.Mean[j]));
                }
            }
            bool pass = stateError <= options.Tolerance && meanError <= options.Tolerance;
            ok &= pass;
            Console.WriteLine($"ort ({label}, {threads} thread(s)): last_hidden_state max abs error {stateError:E3} " +
                              $"({statesCompared} cases), mean max abs error {meanError:E3} ({cases.Count} cases) — " +
                              $"{(pass ? "PASS" : "FAIL")} (tolerance {options.Tolerance:G3})");
        }
        return ok & CheckOrtPooledPath(ort, cases, threads);
    }

    /// <summary>The path the benchmark times: batching, padding, mask-aware mean, L2 normalization.</summary>
    private bool CheckOrtPooledPath(OrtEngine ort, List<Case> cases, int threads)
    {
        var vectors = ort.Embed(cases.Select(c => c.Encoding).ToList());
        double error = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            double norm = Math.Sqrt(cases[i].Mean.Sum(v => v * v));
            for (int j = 0; j < vectors[i].Length; j++)
                error = Math.Max(error, Math.Abs(vectors[i][j] - cases[i].Mean[j] / norm));
        }
        bool pass = error <= options.Tolerance;
        Console.WriteLine($"ort (benchmark path: padded batch, mean pooling, L2 norm, {threads} thread(s)): normalized mean " +
                          $"max abs error {error:E3} ({cases.Count} cases) — {(pass ? "PASS" : "FAIL")}");
        return pass;
    }

    private bool CheckEmbedRt(ModelInfo model, List<Case> cases, int threads)
    {
        using var embedRt = EmbeddingModel.Load(model.Directory, new EmbeddingOptions { Threads = threads });
        var vectors = embedRt.Embed(cases.Select(c => c.Encoding).ToList());
        double error = 0, minCosine = double.PositiveInfinity;
        for (int i = 0; i < cases.Count; i++)
        {
            var expected = cases[i].Embedding;
            if (vectors[i].Length != expected.Length)
                throw new InvalidDataException($"case {i}: EmbedRt vector has {vectors[i].Length} values, reference {expected.Length}");
            var expectedFloat = expected.Select(v => (float)v).ToArray();
            minCosine = Math.Min(minCosine, Pooling.Cosine(vectors[i], expectedFloat));
            for (int j = 0; j < expected.Length; j++) error = Math.Max(error, Math.Abs(vectors[i][j] - expected[j]));
        }
        bool pass = error <= options.Tolerance;
        Console.WriteLine($"embedrt ({threads} thread(s), the folder's pooling): embedding max abs error {error:E3}, " +
                          $"min cosine {minCosine:F8} ({cases.Count} cases) — {(pass ? "PASS" : "FAIL")} " +
                          $"(tolerance {options.Tolerance:G3})");
        return pass;
    }

    private static List<Case> LoadCases(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = new List<Case>();
        foreach (var key in new[] { "cases", "pair_cases" })
        {
            if (!doc.RootElement.TryGetProperty(key, out var list)) continue;
            foreach (var c in list.EnumerateArray())
            {
                int[] ids = c.GetProperty("input_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                int[] types = c.TryGetProperty("token_type_ids", out var t)
                    ? t.EnumerateArray().Select(e => e.GetInt32()).ToArray() : new int[ids.Length];
                double[][]? state = c.TryGetProperty("last_hidden_state", out var s)
                    ? s.EnumerateArray().Select(Doubles).ToArray() : null;
                cases.Add(new Case(new TokenEncoding(ids, types), state,
                    Doubles(c.GetProperty("mean")), Doubles(c.GetProperty("embedding"))));
            }
        }
        if (cases.Count == 0) throw new InvalidDataException($"{path}: no cases");
        return cases;
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
