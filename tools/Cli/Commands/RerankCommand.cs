using System.CommandLine;
using EmbedRt.Rerank;

namespace EmbedRt.Cli.Commands;

/// <summary>embedrt rerank: {"query": ..., "texts": [...]} per line in, the texts' scores in input order out.</summary>
internal static class RerankCommand
{
    public static Command Create()
    {
        var model = SharedOptions.Model();
        var raw = new Option<bool>("--raw") { Description = "Write raw logits instead of sigmoid scores" };
        var maxLength = SharedOptions.MaxLength("Max tokens per (query, text) pair, special tokens included; longer pairs are cut longest first");
        var batchSize = SharedOptions.BatchSize();
        var threads = SharedOptions.Threads();
        var keep16Bit = SharedOptions.Keep16Bit();
        var verbose = SharedOptions.Verbose();
        var command = new Command("rerank",
            "Score texts against a query with a cross-encoder (bge-reranker …). Input: JSON Lines {\"query\": ..., \"texts\": [...]}; " +
            "output per line: a JSON array of scores (sigmoid of the logit, or the logit with --raw) in the order of \"texts\".")
        {
            model, raw, maxLength, batchSize, threads, keep16Bit, verbose, SharedOptions.Device,
        };
        command.SetAction(result => CommandRunner.Run(result.GetValue(verbose), () =>
        {
            using var reranker = CrossEncoder.Load(result.GetValue(model)!, new EmbeddingOptions
            {
                MaxLength = result.GetValue(maxLength),
                BatchSize = result.GetValue(batchSize),
                Threads = result.GetValue(threads),
                Weights = SharedOptions.ToPrecision(result.GetValue(keep16Bit)),
                Device = SharedOptions.ToDevice(result),
            });
            var requests = JsonLinesInput.ReadAll(JsonLinesInput.StandardInput(), line =>
            {
                line.ExpectObject("an object with \"query\" and \"texts\"", "query", "texts");
                return (Query: line.RequiredString("query"), Texts: line.RequiredStrings("texts"));
            });
            using var output = new JsonLinesOutput(Console.OpenStandardOutput());
            foreach (var (query, texts) in requests)
            {
                var logits = reranker.Logits(texts.Select(text => (query, text)).ToArray());
                JsonLinesOutput.WriteFloats(output.Writer, result.GetValue(raw) ? logits : logits.Select(CrossEncoder.Sigmoid).ToArray());
                output.EndLine();
            }
            return 0;
        }));
        return command;
    }
}
