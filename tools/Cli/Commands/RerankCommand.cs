using System.CommandLine;
using EmbedRt.Cli.Input;
using EmbedRt.Cli.Output;
using EmbedRt.Rerank;

namespace EmbedRt.Cli.Commands;

/// <summary>embedrt rerank: {"query": ..., "texts": [...]} per line in, the texts' scores in input order out.</summary>
internal static class RerankCommand
{
    public static Command Create()
    {
        var shared = new ModelOptions("Max tokens per (query, text) pair, special tokens included; longer pairs are cut longest first", null);
        var raw = new Option<bool>("--raw") { Description = "Write raw logits instead of sigmoid scores" };
        var command = new Command("rerank",
            "Score texts against a query with a cross-encoder (bge-reranker …). Input: JSON Lines {\"query\": ..., \"texts\": [...]}; " +
            "output per line: a JSON array of scores (sigmoid of the logit, or the logit with --raw) in the order of \"texts\".")
        {
            raw,
        };
        shared.AddTo(command);
        command.SetAction(result => CommandRunner.Run(result, shared.Common, () =>
        {
            var options = shared.ToEmbeddingOptions(result);
            using var reranker = CrossEncoder.Load(SharedOptions.ResolveModel(result, shared.Model), options);
            shared.ReportKernels(result, reranker.KernelName);
            bool rawLogits = result.GetValue(raw);
            LinePipeline.Run(result, shared.Common, options.BatchSize, line =>
            {
                line.ExpectObject("an object with \"query\" and \"texts\"", "query", "texts");
                return (Query: line.RequiredString("query"), Texts: line.RequiredStrings("texts"));
            }, (round, output) =>
            {
                // One library call per round: every (query, text) pair of the round in one sorted, packed run.
                var pairs = round.SelectMany(r => r.Value.Texts.Select(text => (r.Value.Query, text))).ToArray();
                var logits = reranker.Logits(pairs);
                int next = 0;
                foreach (var (_, request) in round)
                {
                    var scores = logits.AsSpan(next, request.Texts.Length);
                    next += scores.Length;
                    if (!rawLogits) foreach (ref float score in scores) score = CrossEncoder.Sigmoid(score);
                    JsonLinesOutput.WriteFloats(output.Writer, scores);
                    output.EndLine();
                }
            });
        }));
        return command;
    }
}
