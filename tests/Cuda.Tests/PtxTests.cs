using System.Reflection;
using System.Text.RegularExpressions;
using EmbedRt.Kernels.Cuda;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// Every kernel, at its GPU tile sizes, compiled to PTX for sm_80 with ILGPU's PTXBackend (no GPU, no CUDA
/// install), checked for the instructions it was written to produce and for no call into a missing library.
/// </summary>
public class PtxTests
{
    private static readonly Lazy<Dictionary<string, string>> Assemblies = new(() => PtxReport.Compile(CudaArchitecture.SM_80, CudaInstructionSet.ISA_80));

    public static TheoryData<string> KernelNames() => new(PtxReport.Kernels.Select(k => k.Name));

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void CompilesToSelfContainedPtx(string kernel)
    {
        string ptx = Assemblies.Value[kernel];
        Assert.Contains(".target sm_80", ptx);
        Assert.DoesNotMatch(@"\.extern\s+\.func", ptx);
        Assert.DoesNotContain(".local", ptx); // nothing lives in local memory at PTX level (register blocks stay registers)
        // Multiply-adds are left contractible: ptxas fuses mul.f32 + add.f32 into FFMA unless a rounding modifier forbids it.
        Assert.DoesNotMatch(@"(mul|add)\.rn\.f32", ptx);
    }

    [Theory]
    [InlineData("linear-f32", new[] { "ld.global.v4.f32", "ld.shared.v4.f32", "st.shared.f32", "bar.sync" })]
    [InlineData("linear-f16", new[] { "ld.global.v2.b32", "ld.shared.v4.f32", "bar.sync" })]
    [InlineData("linear-bf16", new[] { "ld.global.v2.b32", "ld.shared.v4.f32", "bar.sync" })]
    [InlineData("attention", new[] { "ld.global.v4.f32", "ld.shared.f32", "st.shared.f32", "bar.sync", "shfl.sync.bfly.b32", "ex2.approx" })]
    [InlineData("add-layernorm", new[] { "ld.global.v4.f32", "st.global.v4.f32", "shfl.sync.bfly.b32" })]
    [InlineData("embedding-layernorm-f32", new[] { "shfl.sync.bfly.b32" })]
    [InlineData("embedding-layernorm-f16", new[] { "ld.global.b16", "shfl.sync.bfly.b32" })]
    [InlineData("pool", new[] { "shfl.sync.bfly.b32" })]
    public void EmitsTheIntendedInstructions(string kernel, string[] instructions)
    {
        string ptx = Assemblies.Value[kernel];
        foreach (var instruction in instructions) Assert.Contains(instruction, ptx);
    }

    [Fact]
    public void GemmInnerLoopIsSixteenMultiplyAddsPerTwoSharedVectorLoads()
    {
        var summary = PtxReport.Summarize(Assemblies.Value["linear-f32"]);
        // The 4 x 4 register block: 16 mul.f32 + add.f32 pairs (FFMA after ptxas) per pair of ld.shared.v4.
        Assert.True(summary.Instructions["mul.f32"] >= 8 * summary.Instructions["ld.shared.v4"],
            $"{summary.Instructions["mul.f32"]} mul.f32 for {summary.Instructions["ld.shared.v4"]} ld.shared.v4");
    }

    [Fact]
    public void SharedMemoryIsDeclaredAtTheGpuTileSizes()
    {
        var report = PtxReport.Summarize(Assemblies.Value["linear-f32"]);
        Assert.Equal(2 * 2 * 64 * 16 * 4, report.SharedBytes); // A and B, double-buffered, 64 x 16 floats each
    }
}
