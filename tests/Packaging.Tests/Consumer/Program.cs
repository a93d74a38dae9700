// A fresh app that knows EmbedRt only through its NuGet packages: embeds through the Microsoft.Extensions.AI
// pipeline, counts tokens through Microsoft.ML.Tokenizers, quantizes the output. Prints one line per fact.
using System.Globalization;
using EmbedRt;
using EmbedRt.Output;
using EmbedRt.Tokenizers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

string modelDirectory = args[0];
string[] texts = ["hello world", "packages install from a local feed"];

var services = new ServiceCollection();
services.AddEmbedRtEmbeddingGenerator(modelDirectory).UseOpenTelemetry();
await using var provider = services.BuildServiceProvider();
var generator = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
var embeddings = await generator.GenerateAsync(texts);

foreach (var embedding in embeddings)
    Console.WriteLine("vector " + string.Join(' ', embedding.Vector.ToArray().Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
Console.WriteLine($"usage {embeddings.Usage?.InputTokenCount}");
Console.WriteLine($"provider {generator.GetService<EmbeddingGeneratorMetadata>()?.ProviderName} kernels {generator.GetService<EmbeddingModel>()?.KernelName}");

var tokenizer = EmbedRtTokenizer.Load(modelDirectory);
Console.WriteLine("tokens " + string.Join(' ', tokenizer.EncodeToIds(texts[0])));

var bits = new byte[EmbeddingQuantizer.PackedLength(embeddings[0].Vector.Length)];
EmbeddingQuantizer.ToUBinary(embeddings[0].Vector.Span, bits);
Console.WriteLine("ubinary " + Convert.ToHexString(bits));
