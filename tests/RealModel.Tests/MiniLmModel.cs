using System.Reflection;
using System.Text.Json;
using EmbedRt.Onnx2Hf;
using EmbedRt.TestKit;

namespace EmbedRt.RealModel.Tests;

/// <summary>
/// all-MiniLM-L6-v2 converted once per test run into a Hugging Face folder, and the real sentences it is measured
/// on: every text and pair of the bert-base-uncased tokenizer cases (English paragraphs, code, URLs, many scripts),
/// split into sentences.
/// </summary>
public sealed class MiniLmModel
{
    public MiniLmModel()
    {
        string package = typeof(MiniLmModel).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MiniLmPackageAssembly").Value!;
        Directory = Fixtures.TempDirectory("minilm");
        HfExport.Write(OnnxGraph.Parse(ModelSource.ReadOnnx(package)), ModelSource.ReadVocab(package), Directory, maxSeqLength: 256);
        Sentences = File.ReadLines(Path.Combine(Fixtures.Tokenizer("bert-base-uncased"), "cases.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .SelectMany(c => new[] { c.GetProperty("text").GetString(), c.TryGetProperty("pair", out var p) ? p.GetString() : null })
            .OfType<string>()
            .SelectMany(text => text.Split(". ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Where(s => s.Length >= 3)
            .Distinct()
            .ToArray();
    }

    public string Directory { get; }

    public string[] Sentences { get; }
}
