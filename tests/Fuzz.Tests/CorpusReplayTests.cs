using EmbedRt.Fuzz;
using EmbedRt.TestKit;

namespace EmbedRt.Fuzz.Tests;

/// <summary>
/// Replays every committed fuzz input (fuzz/corpus/&lt;target&gt;/*: seeds, coverage-increasing finds and fixed
/// crashes) through the same entry points the fuzzer drives: each is accepted or refused with a typed error,
/// nothing else escapes, and none hangs.
/// </summary>
public class CorpusReplayTests
{
    private static string Corpus => Path.Combine(Path.GetDirectoryName(Fixtures.Root)!, "..", "fuzz", "corpus");

    public static TheoryData<string> Targets => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_is_accepted_or_refused_with_a_typed_error(string target)
    {
        var folder = Path.Combine(Corpus, target);
        var files = Directory.GetFiles(folder);
        Assert.NotEmpty(files);
        int accepted = 0;
        foreach (var file in files)
        {
            bool ok = false;
            SpecialFiles.WithinSeconds(20, () => ok = RunOne(target, file));
            if (ok) accepted++;
        }
        Assert.True(accepted > 0, $"no input of {target} was accepted: the seeds no longer reach past the first check");
    }

    private static bool RunOne(string target, string file)
    {
        try
        {
            return FuzzTargets.Run(target, File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{target} input {Path.GetFileName(file)}: {e.GetType().Name} escaped: {e}");
        }
    }

    [Fact]
    public void Every_corpus_folder_is_a_target()
    {
        foreach (var folder in Directory.GetDirectories(Corpus))
            Assert.True(FuzzTargets.All.ContainsKey(Path.GetFileName(folder)), $"{folder} names no fuzz target");
    }
}
