using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>The BGE-M3, reranker, prompt and long-input parts of the CLI, end to end.</summary>
public class CliHeadCommandsTests
{
    private static readonly string M3 = Fixtures.Model("xlmr-tiny-m3");
    private static readonly JsonElement M3Reference = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference("xlmr-tiny-m3"))).RootElement;

    [Fact]
    public void SparseWritesLexicalWeightsByTokenId()
    {
        var cases = M3Reference.GetProperty("cases").EnumerateArray().Take(6).ToArray();
        var result = CliProcess.Run(Lines(cases.Select(c => c.GetProperty("text").GetString()!)), "sparse", "--model", M3);

        Assert.True(result.ExitCode == 0, result.Stderr);
        for (int i = 0; i < cases.Length; i++)
        {
            var actual = JsonDocument.Parse(result.StdoutLines[i]).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            var expected = cases[i].GetProperty("sparse").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (token, weight) in expected) Assert.Equal(weight, actual[token], 1e-4);
        }
    }

    [Fact]
    public void ColBertWritesOneNormalizedVectorPerTokenAfterCls()
    {
        var first = M3Reference.GetProperty("cases")[2];
        var result = CliProcess.Run(Lines([first.GetProperty("text").GetString()!]), "colbert", "--model", M3);

        Assert.True(result.ExitCode == 0, result.Stderr);
        var vectors = JsonSerializer.Deserialize<float[][]>(result.StdoutLines[0])!;
        var expected = first.GetProperty("colbert").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        Assert.Equal(expected.Length, vectors.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Metrics.MaxAbsError(vectors[i], expected[i]) <= 1e-4);
    }

    [Fact]
    public void ScoreWritesFlagEmbeddingScores()
    {
        var pairs = M3Reference.GetProperty("pair_scores_all").EnumerateArray().ToArray();
        var input = string.Concat(pairs.Select(p => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["query"] = p.GetProperty("query").GetString()!, ["passage"] = p.GetProperty("passage").GetString()!,
        }) + "\n"));
        var result = CliProcess.Run(input, "score", "--model", M3);

        Assert.True(result.ExitCode == 0, result.Stderr);
        for (int i = 0; i < pairs.Length; i++)
        {
            var scores = JsonDocument.Parse(result.StdoutLines[i]).RootElement;
            foreach (var name in new[] { "dense", "lexical", "colbert", "sparse+dense", "colbert+sparse+dense" })
                Assert.Equal(pairs[i].GetProperty(name).GetDouble(), scores.GetProperty(name).GetDouble(), 1e-4);
        }
    }

    [Fact]
    public void RerankWritesScoresInInputOrder()
    {
        var reference = JsonDocument.Parse(File.ReadAllText(Fixtures.ModelReference("xlmr-tiny-reranker"))).RootElement;
        var cases = reference.GetProperty("cases").EnumerateArray().ToArray();
        string query = cases[0].GetProperty("text").GetString()!;
        var same = cases.Where(c => c.GetProperty("text").GetString() == query).ToArray();
        var input = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["query"] = query, ["texts"] = same.Select(c => c.GetProperty("pair").GetString()!).ToArray(),
        }) + "\n";

        var scores = CliProcess.Run(input, "rerank", "--model", Fixtures.Model("xlmr-tiny-reranker"));
        var logits = CliProcess.Run(input, "rerank", "--model", Fixtures.Model("xlmr-tiny-reranker"), "--raw");

        Assert.True(scores.ExitCode == 0, scores.Stderr);
        var s = JsonSerializer.Deserialize<double[]>(scores.StdoutLines[0])!;
        var l = JsonSerializer.Deserialize<double[]>(logits.StdoutLines[0])!;
        for (int i = 0; i < same.Length; i++)
        {
            Assert.Equal(same[i].GetProperty("score").GetDouble(), s[i], 1e-5);
            Assert.Equal(same[i].GetProperty("logit").GetDouble(), l[i], 1e-4);
        }
    }

    [Fact]
    public void PromptIsPutBeforeTheText()
    {
        var model = Fixtures.Model("bert-tiny-uncased");
        var prompted = CliProcess.Run(Lines(["hello"]), "embed", "--model", model, "--prompt", "query: ");
        var literal = CliProcess.Run(Lines(["query: hello"]), "embed", "--model", model);
        Assert.True(prompted.ExitCode == 0, prompted.Stderr);
        Assert.Equal(literal.StdoutLines[0], prompted.StdoutLines[0]);

        var unknown = CliProcess.Run(Lines(["hello"]), "embed", "--model", model, "--prompt-name", "query");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("prompt 'query'", unknown.Stderr);
    }

    [Fact]
    public void LongInputsAreTruncatedWithAWarningOrRefused()
    {
        var model = Fixtures.Model("bert-tiny-uncased");
        var longText = string.Join(' ', Enumerable.Repeat("hello world", 100));
        var truncated = CliProcess.Run(Lines([longText, "short"]), "embed", "--model", model);
        Assert.Equal(0, truncated.ExitCode);
        Assert.Equal(2, truncated.StdoutLines.Length);
        Assert.Contains("truncated (line 1)", truncated.Stderr);

        var refused = CliProcess.Run(Lines(["short", longText]), "embed", "--model", model, "--long-inputs", "error");
        Assert.Equal(3, refused.ExitCode);
        Assert.Single(refused.StderrLines);
        Assert.Contains("line 2: more than the model's limit", refused.Stderr);

        var chunked = CliProcess.Run(Lines([longText]), "embed", "--model", model, "--long-inputs", "chunk-mean");
        Assert.Equal(0, chunked.ExitCode);
        Assert.NotEqual(truncated.StdoutLines[0], chunked.StdoutLines[0]);
    }

    /// <summary>The warning counts what the model actually received: the prompt's tokens included.</summary>
    [Fact]
    public void TruncationWarningCountsThePrompt()
    {
        var model = Fixtures.Model("bert-tiny-uncased");
        var text = string.Join(' ', Enumerable.Repeat("the", 12)); // 12 tokens + [CLS] [SEP] = 14
        var plain = CliProcess.Run(Lines(["short", text]), "embed", "--model", model, "--max-length", "16");
        Assert.Equal(0, plain.ExitCode);
        Assert.DoesNotContain("truncated", plain.Stderr);
        var prompted = CliProcess.Run(Lines(["short", text]), "embed", "--model", model, "--max-length", "16", "--prompt", "a b c d e ");
        Assert.Equal(0, prompted.ExitCode);
        Assert.Contains("1 input(s) longer than 16 tokens were truncated (line 2)", prompted.Stderr);
    }

    /// <summary>--truncation-direction left keeps the end: the vector of a cut text is that of its last words.</summary>
    [Fact]
    public void TruncationDirectionLeftKeepsTheEnd()
    {
        var model = Fixtures.Model("bert-tiny-uncased");
        var words = Enumerable.Range(0, 30).Select(i => i < 24 ? "the" : "of").ToArray(); // one token each in this vocabulary
        string text = string.Join(' ', words);
        string tail = string.Join(' ', words[^6..]); // --max-length 8: [CLS] + 6 words + [SEP]
        string head = string.Join(' ', words[..6]);
        var left = CliProcess.Run(Lines([text, tail, head]), "embed", "--model", model, "--max-length", "8", "--truncation-direction", "left");
        Assert.True(left.ExitCode == 0, left.Stderr);
        Assert.Equal(left.StdoutLines[1], left.StdoutLines[0]);
        Assert.Contains("truncated (line 1)", left.Stderr);
        var right = CliProcess.Run(Lines([text]), "embed", "--model", model, "--max-length", "8");
        Assert.Equal(left.StdoutLines[2], right.StdoutLines[0]);
        Assert.NotEqual(left.StdoutLines[0], right.StdoutLines[0]);

        var tokens = CliProcess.Run(Lines([text]), "tokenize", "--model", model, "--max-length", "8", "--truncation-direction", "left");
        Assert.True(tokens.ExitCode == 0, tokens.Stderr);
        var expected = EmbedRt.Tokenization.TextTokenizer.Load(model).Encode(tail).Ids;
        Assert.Equal(expected, System.Text.Json.JsonDocument.Parse(tokens.StdoutLines[0]).RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
    }

    private static string Lines(IEnumerable<string> texts) => string.Concat(texts.Select(t => JsonSerializer.Serialize(t) + "\n"));
}
