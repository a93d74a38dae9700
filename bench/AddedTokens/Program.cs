// Per-line tokenization time as the number of added tokens grows (issue 9, item 6). Uses only the public API, so
// the same program measures any commit. Usage: EmbedRt.Bench.AddedTokens <bert tokenizer folder> [counts...]
using System.Diagnostics;
using System.Text;
using EmbedRt.Tokenization;

if (args.Length < 1)
{
    Console.Error.WriteLine("usage: EmbedRt.Bench.AddedTokens <folder with a BERT tokenizer.json> [added-token counts, default 10 10000 1000000]");
    return 2;
}
string source = Path.Combine(args[0], "tokenizer.json");
int[] counts = args.Length > 1 ? args[1..].Select(int.Parse).ToArray() : [10, 10_000, 1_000_000];

// Lines like real text with a few added tokens each (and candidate prefixes that do not match).
var random = new Random(42);
var lines = Enumerable.Range(0, 200).Select(i =>
    $"line {i}: the quick brown fox tok{random.Next(10)} jumps over tok{random.Next(1000)}x the lazy dog to tokyo, 你好 tok{random.Next(1_000_000)}").ToArray();

Console.WriteLine("| added tokens | load (s) | µs per line (median of 5 passes) | lines per pass |");
Console.WriteLine("|---:|---:|---:|---:|");
foreach (int count in counts)
{
    string folder = Path.Combine(Path.GetTempPath(), $"embedrt-added-{count}-{Environment.ProcessId}");
    Directory.CreateDirectory(folder);
    File.WriteAllText(Path.Combine(folder, "tokenizer.json"), WithAddedTokens(File.ReadAllText(source), count));
    var load = Stopwatch.StartNew();
    var tokenizer = TextTokenizer.Load(folder);
    load.Stop();

    int perPass = count >= 100_000 ? 20 : lines.Length; // the former matcher takes ~0.3 s a line at 10^6
    foreach (var line in lines.Take(perPass)) tokenizer.Encode(line); // warm-up
    var passes = new double[5];
    for (int pass = 0; pass < passes.Length; pass++)
    {
        var timer = Stopwatch.StartNew();
        for (int i = 0; i < perPass; i++) tokenizer.Encode(lines[i]);
        passes[pass] = timer.Elapsed.TotalMicroseconds / perPass;
    }
    Array.Sort(passes);
    Console.WriteLine($"| {count:N0} | {load.Elapsed.TotalSeconds:F2} | {passes[2]:F1} | {perPass} |");
    Directory.Delete(folder, recursive: true);
}
return 0;

// Appends "tok0".."tok{count-1}" (ids after the vocabulary) to added_tokens, writing JSON text directly.
static string WithAddedTokens(string json, int count)
{
    int at = json.IndexOf("\"added_tokens\"", StringComparison.Ordinal);
    int close = json.LastIndexOf(']', json.IndexOf("\"normalizer\"", at, StringComparison.Ordinal)); // the list's own bracket
    var extra = new StringBuilder();
    const int firstId = 40_000;
    for (int i = 0; i < count; i++)
        extra.Append($",{{\"id\":{firstId + i},\"content\":\"tok{i}\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":false}}");
    return json[..close] + extra + json[close..];
}
