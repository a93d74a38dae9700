using System.Diagnostics;

namespace EmbedRt.Aot.Tests;

/// <summary>
/// deploy/validate.sh: the Kubernetes manifests against the Kubernetes OpenAPI schemas plus EmbedRt's own rules
/// (probes, scrape annotations, targets, --shard), and the Dockerfile through a linter. Needs node and npm.
/// </summary>
public sealed class DeployManifestTests
{
    [Fact]
    public void Manifests_and_Dockerfile_validate_offline()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(PublishedBinary.RepoRoot, "deploy", "validate.sh"));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        Assert.True(process.ExitCode == 0, $"deploy/validate.sh failed:\n{stderr.Result}\n{stdout.Result}");
        Assert.Contains("0 problems", stdout.Result);
    }
}
