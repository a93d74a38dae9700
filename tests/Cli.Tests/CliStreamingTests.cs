using System.Text.Json;
using EmbedRt.TestKit;

namespace EmbedRt.Cli.Tests;

/// <summary>The CLI answers each line while its input is still open, and --shard splits a corpus losslessly.</summary>
public class CliStreamingTests
{
    private static readonly string Bert = Fixtures.Model("bert-tiny-uncased");

    [Theory]
    [InlineData("tokenize")]
    [InlineData("embed")]
    [InlineData("sparse")]
    public async Task EachLineIsAnsweredBeforeStdinCloses(string command)
    {
        string model = command == "sparse" ? Fixtures.Model("xlmr-tiny-m3") : Bert;
        using var process = command == "tokenize" ? CliProcess.Start(command, "--model", model) : CliProcess.Start(command, "--model", model, "--batch-size", "8");
        try
        {
            var answers = new List<string>();
            foreach (var text in new[] { "first line", "second line", "third" })
            {
                process.StandardInput.WriteLine(JsonSerializer.Serialize(text));
                process.StandardInput.Flush();
                var read = process.StandardOutput.ReadLineAsync();
                Assert.True(await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60))) == read, $"no answer to \"{text}\" while stdin is open");
                answers.Add(Assert.IsType<string>(await read));
            }
            process.StandardInput.Close();
            Assert.Null(await process.StandardOutput.ReadLineAsync());
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
            Assert.Equal(0, process.ExitCode);

            var batch = CliProcess.Run(string.Concat(new[] { "first line", "second line", "third" }.Select(t => JsonSerializer.Serialize(t) + "\n")),
                command, "--model", model);
            Assert.Equal(batch.StdoutLines, answers);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Theory]
    [InlineData("tokenize", 3)]
    [InlineData("embed", 4)]
    public void ShardsTogetherEqualOneRun(string command, int shards)
    {
        var texts = Enumerable.Range(1, 11).Select(i => $"line number {i} " + new string('x', i)).ToArray();
        string input = string.Concat(texts.Select(t => JsonSerializer.Serialize(t) + "\n"));
        var whole = CliProcess.Run(input, command, "--model", Bert);
        Assert.Equal(texts.Length, whole.StdoutLines.Length);

        var merged = new string?[texts.Length];
        for (int shard = 0; shard < shards; shard++)
        {
            var part = CliProcess.Run(input, command, "--model", Bert, "--shard", $"{shard}/{shards}");
            Assert.True(part.ExitCode == 0, part.Stderr);
            // As documented: output line k of shard I/N answers input line I + 1 + k·N.
            for (int k = 0; k < part.StdoutLines.Length; k++) merged[shard + k * shards] = part.StdoutLines[k];
        }
        Assert.Equal(whole.StdoutLines, merged);
    }

    [Fact]
    public void ShardSkipsOtherShardsLinesWithoutReadingThem()
    {
        var result = CliProcess.Run("\"a\"\nnot json\n\"c\"\n", "tokenize", "--model", Bert, "--shard", "0/2");
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(2, result.StdoutLines.Length);
    }
}
