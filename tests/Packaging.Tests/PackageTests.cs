using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using EmbedRt.Output;
using EmbedRt.TestKit;

namespace EmbedRt.Packaging.Tests;

/// <summary>
/// Packs every package with tools/pack.sh into a local folder feed, then builds and runs a fresh consumer app and
/// installs the embedrt tool from that feed alone (plus nuget.org for third-party dependencies): proof that the
/// packages are complete, not just the project references. Each run uses a unique version, restored into a private
/// package folder, so no stale copy in the machine's NuGet cache can stand in for what was just packed.
/// </summary>
public class PackageTests
{
    private static readonly string s_repo = Path.GetFullPath(Path.Combine(Fixtures.Root, "..", ".."));

    [Fact]
    public void Packed_packages_install_into_a_fresh_app_and_as_a_tool()
    {
        var work = Fixtures.TempDirectory("packaging");
        try
        {
            string version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            string feed = Path.Combine(work, "feed");
            Run(Path.Combine(s_repo, "tools", "pack.sh"), [feed, "--no-build", "-p:PackageVersion=" + version], s_repo);
            CheckPackages(feed, version);

            var environment = IsolatedNuGet(work, feed);
            string model = Fixtures.Model("bert-tiny-uncased");
            string consumer = Path.Combine(work, "consumer");
            CopyDirectory(Path.Combine(AppContext.BaseDirectory, "Consumer"), consumer);
            string output = Run("dotnet", ["run", "-c", "Release", "-p:EmbedRtVersion=" + version, "--", model], consumer, environment);
            CheckConsumerOutput(output, model);

            string tools = Path.Combine(work, "tools");
            Run("dotnet", ["tool", "install", "EmbedRt.Cli", "--version", version, "--tool-path", tools], work, environment);
            string line = Run(Path.Combine(tools, "embedrt"), ["embed", "--model", model], work, environment, stdin: "\"hello world\"\n");
            float[] fromTool = line.Trim().Trim('[', ']').Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            using var direct = EmbeddingModel.Load(model);
            Assert.Equal(direct.Embed(["hello world"])[0], fromTool);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static void CheckPackages(string feed, string version)
    {
        string[] libraries = ["EmbedRt", "EmbedRt.Loader", "EmbedRt.Kernels", "EmbedRt.Extensions.AI", "EmbedRt.Tokenizers"];
        foreach (var id in libraries)
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"));
            var names = package.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", names);
            Assert.Single(names, n => n.StartsWith("lib/net10.0/", StringComparison.Ordinal) && n.EndsWith(".dll", StringComparison.Ordinal));
            Assert.Single(names, n => n.StartsWith("lib/net10.0/", StringComparison.Ordinal) && n.EndsWith(".xml", StringComparison.Ordinal));
            using var symbols = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.snupkg"));
            Assert.Contains(symbols.Entries, e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
        }
        using var core = ZipFile.OpenRead(Path.Combine(feed, $"EmbedRt.{version}.nupkg"));
        using var nuspec = new StreamReader(core.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string spec = nuspec.ReadToEnd();
        Assert.Contains($"<dependency id=\"EmbedRt.Loader\" version=\"{version}\"", spec);
        Assert.Contains($"<dependency id=\"EmbedRt.Kernels\" version=\"{version}\"", spec);
        using var tool = ZipFile.OpenRead(Path.Combine(feed, $"EmbedRt.Cli.{version}.nupkg"));
        Assert.Contains(tool.Entries, e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
    }

    private static void CheckConsumerOutput(string output, string model)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        using var direct = EmbeddingModel.Load(model);
        var expected = direct.Embed(["hello world", "packages install from a local feed"]);
        var vectors = lines.Where(l => l.StartsWith("vector ", StringComparison.Ordinal))
            .Select(l => l["vector ".Length..].Split(' ').Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(2, vectors.Count);
        for (int i = 0; i < 2; i++) Assert.Equal(expected[i], vectors[i]);
        Assert.Contains($"usage {direct.CountTokens(["hello world", "packages install from a local feed"])}", lines);
        Assert.Contains(lines, l => l.StartsWith("provider EmbedRt kernels ", StringComparison.Ordinal));
        Assert.Contains("tokens " + string.Join(' ', direct.Tokenizer.Encode("hello world").Ids), lines);
        var bits = new byte[EmbeddingQuantizer.PackedLength(expected[0].Length)];
        EmbeddingQuantizer.ToUBinary(expected[0], bits);
        Assert.Contains("ubinary " + Convert.ToHexString(bits), lines);
    }

    /// <summary>
    /// A NuGet setup for the consumer: the local feed next to the machine's sources, a private package folder, and
    /// the machine's package folder as a read-only fallback so third-party packages are not downloaded again.
    /// </summary>
    private static Dictionary<string, string> IsolatedNuGet(string work, string feed)
    {
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="embedrt-local" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        return new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(work, "packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
    }

    private static string Run(string file, string[] arguments, string directory, Dictionary<string, string>? environment = null, string? stdin = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? []) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish in 5 minutes");
        }
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}\n{stdout}\n{stderr.Result}");
        return stdout;
    }

    private static void CopyDirectory(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}
