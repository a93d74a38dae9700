using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>One case of a tiny model's float64 reference file.</summary>
public sealed record ReferenceCase(
    int Index, string Text, string? Pair, int[] InputIds, int[] TokenTypeIds,
    double[][]? LastHiddenState, double[] Cls, double[] Mean, double[]? Embedding, JsonElement Raw);

/// <summary>Reads tests/fixtures/models/NAME.reference.json.</summary>
public static class ReferenceCases
{
    private static readonly Dictionary<string, (JsonDocument Document, ReferenceCase[] Cases)> Cache = new();

    public static ReferenceCase[] Load(string model) => LoadDocument(model).Cases;

    public static JsonElement Root(string model) => LoadDocument(model).Document.RootElement;

    private static (JsonDocument Document, ReferenceCase[] Cases) LoadDocument(string model)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(model, out var cached)) return cached;
            var document = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference(model)));
            // Pair cases, where a file has them, follow the single-text cases.
            var all = document.RootElement.GetProperty("cases").EnumerateArray().ToList();
            if (document.RootElement.TryGetProperty("pair_cases", out var pairCases) && pairCases.ValueKind == JsonValueKind.Array)
                all.AddRange(pairCases.EnumerateArray());
            var cases = all.Select((c, i) =>
            {
                int[] ids = Ints(c.GetProperty("input_ids"));
                return new ReferenceCase(
                    i,
                    c.TryGetProperty("text", out var text) ? text.GetString()! : "", // generated references give ids only
                    c.TryGetProperty("pair", out var pair) && pair.ValueKind == JsonValueKind.String ? pair.GetString() : null,
                    ids,
                    c.TryGetProperty("token_type_ids", out var types) ? Ints(types) : new int[ids.Length],
                    c.TryGetProperty("last_hidden_state", out var hidden) ? hidden.EnumerateArray().Select(Doubles).ToArray() : null,
                    Doubles(c.GetProperty("cls")),
                    Doubles(c.GetProperty("mean")),
                    c.TryGetProperty("embedding", out var embedding) ? Doubles(embedding) : null,
                    c);
            }).ToArray();
            return Cache[model] = (document, cases);
        }
    }

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
