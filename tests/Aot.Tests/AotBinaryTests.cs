using System.Diagnostics;
using System.Text.Json;
using EmbedRt.Kernels.Cpu;
using EmbedRt.TestKit;

namespace EmbedRt.Aot.Tests;

/// <summary>
/// The NativeAOT binary from tools/publish.sh against the JIT build of the same CLI: same kernel tier, same vectors
/// (within 1e-6) on the tiny fixture models. Linux x64 only (the CI machine); elsewhere these tests do nothing.
/// </summary>
public sealed class AotBinaryTests(PublishedBinary binary) : IClassFixture<PublishedBinary>
{
    private static readonly string Texts = string.Join('\n',
        "\"hello world\"", "\"你好，世界\"", "{\"text\": \"a query\", \"pair\": \"a passage\"}",
        JsonSerializer.Serialize(string.Join(' ', Enumerable.Repeat("long input", 200))), "\"\"", "\"Ünïcödé façade\"") + "\n";

    [Fact]
    public void Version_names_the_flavour_and_the_same_kernel_tier_as_the_JIT()
    {
        if (!PublishedBinary.Supported) return;
        var aot = Run(binary.Path_, "", "--version");
        Assert.Equal(0, aot.ExitCode);
        using var kernels = new CpuKernels(1);
        Assert.Contains($"NativeAOT x86-64-{binary.Flavour}", aot.Stdout);
        Assert.Contains($"kernels {kernels.Name}", aot.Stdout);
        var jit = Run("dotnet", "", Path.Combine(AppContext.BaseDirectory, "embedrt.dll"), "--version");
        Assert.Contains($"(JIT, kernels {kernels.Name}", jit.Stdout);
    }

    [Theory]
    [InlineData("bert-tiny-uncased")]
    [InlineData("bert-tiny-zh")]
    [InlineData("xlmr-tiny-m3")]
    public void Embeddings_match_the_JIT_build(string model)
    {
        if (!PublishedBinary.Supported) return;
        string folder = Fixtures.Model(model);
        var aot = Run(binary.Path_, Texts, "embed", "--model", folder);
        var jit = Run("dotnet", Texts, Path.Combine(AppContext.BaseDirectory, "embedrt.dll"), "embed", "--model", folder);
        Assert.True(aot.ExitCode == 0, aot.Stderr);
        Assert.True(jit.ExitCode == 0, jit.Stderr);
        var a = Parse(aot.Stdout);
        var j = Parse(jit.Stdout);
        Assert.Equal(6, j.Length);
        Assert.Equal(j.Length, a.Length);
        for (int i = 0; i < j.Length; i++)
        {
            Assert.Equal(j[i].Length, a[i].Length);
            Assert.All(j[i], v => Assert.True(float.IsFinite(v)));
            double worst = j[i].Zip(a[i], (x, y) => Math.Abs((double)x - y)).Max();
            Assert.True(worst <= 1e-6, $"{model} line {i + 1}: AOT differs from JIT by {worst:E2}");
        }
    }

    [Fact]
    public void Bad_input_gives_the_same_one_line_error_as_the_JIT()
    {
        if (!PublishedBinary.Supported) return;
        var args = new[] { "embed", "--model", Path.Combine(Path.GetTempPath(), "no-such-model-folder") };
        var aot = Run(binary.Path_, "\"x\"\n", args);
        var jit = Run("dotnet", "\"x\"\n", [Path.Combine(AppContext.BaseDirectory, "embedrt.dll"), .. args]);
        Assert.NotEqual(0, aot.ExitCode);
        Assert.Equal(jit.ExitCode, aot.ExitCode);
        Assert.Equal(jit.Stderr, aot.Stderr);
    }

    private static float[][] Parse(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => JsonSerializer.Deserialize<float[]>(line)!).ToArray();

    private static (int ExitCode, string Stdout, string Stderr) Run(string file, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove("EMBEDRT_FLAVOUR");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) process.Kill(entireProcessTree: true);
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
