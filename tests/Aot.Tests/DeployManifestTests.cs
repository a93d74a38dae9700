using System.Diagnostics;

namespace EmbedRt.Aot.Tests;

/// <summary>
/// deploy/validate.sh: the Kubernetes manifests against the Kubernetes OpenAPI schemas plus EmbedRt's own rules
/// (probes, scrape annotations, targets, --shard), and the Dockerfile through a linter. Needs node and npm.
/// </summary>
public sealed class DeployManifestTests
{
    [Fact]
    public async Task Manifests_and_Dockerfile_validate_offline()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(PublishedBinary.RepoRoot, "deploy", "validate.sh"));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        string output = await stdout, errors = await stderr;
        Assert.True(process.ExitCode == 0, $"deploy/validate.sh failed:\n{errors}\n{output}");
        Assert.Contains("0 problems", output);
    }
}
