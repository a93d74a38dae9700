using System.Reflection;
using System.Text.RegularExpressions;
using EmbedRt.Kernels.Cuda.Kernels;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Kernels.Cuda;

/// <summary>What one kernel's PTX declares and contains.</summary>
/// <param name="Registers">Virtual registers declared (.reg), per type; ptxas allocates the physical ones.</param>
/// <param name="SharedBytes">Static shared memory declared.</param>
/// <param name="Instructions">Counts of the instructions we look for.</param>
public sealed record PtxSummary(IReadOnlyDictionary<string, int> Registers, int SharedBytes, IReadOnlyDictionary<string, int> Instructions);

/// <summary>
/// Every kernel at its GPU tile sizes, compiled to PTX with ILGPU's PTXBackend: no GPU and no CUDA install
/// needed. Used by the PTX tests and by the kernel table in bench/results/cuda-kernels.md.
/// </summary>
public static class PtxReport
{
    /// <summary>The instructions the kernel table counts.</summary>
    public static readonly string[] CountedInstructions =
        ["ld.global.v4", "ld.global", "st.global", "ld.shared.v4", "ld.shared", "st.shared", "bar.sync", "shfl.sync", "mul.f32", "add.f32", "ex2.approx"];

    /// <summary>The kernels as the GPU launches them, by name.</summary>
    public static IReadOnlyList<(string Name, MethodInfo Method)> Kernels { get; } =
    [
        ("linear-f32", Method<Linear<float>>(GemmKernel.Linear<GemmTile64, float, FloatReader>)),
        ("linear-f16", Method<Linear<ushort>>(GemmKernel.Linear<GemmTile64, ushort, F16Reader>)),
        ("linear-bf16", Method<Linear<ushort>>(GemmKernel.Linear<GemmTile64, ushort, BF16Reader>)),
        ("attention", Method<Action<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, AttentionShape>>(FlashAttentionKernel.Attention<AttentionTile64>)),
        ("add-layernorm", Method<Action<ArrayView<float>, ArrayView<float>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, RowShape>>(LayerNormKernels.AddLayerNorm)),
        ("embedding-layernorm-f32", Method<Embedding<float>>(LayerNormKernels.EmbeddingLayerNorm<float, FloatReader>)),
        ("embedding-layernorm-f16", Method<Embedding<ushort>>(LayerNormKernels.EmbeddingLayerNorm<ushort, F16Reader>)),
        ("pool", Method<Action<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<float>, PoolShape>>(PoolKernel.Pool)),
    ];

    private delegate void Linear<T>(ArrayView<float> x, ArrayView<T> weight, ArrayView<float> bias, int hasBias,
        ArrayView<int> offsets, ArrayView<float> y, GemmShape shape) where T : unmanaged;

    private delegate void Embedding<T>(ArrayView<int> ids, ArrayView<int> positions, ArrayView<int> typeIds, ArrayView<T> word,
        ArrayView<float> position, ArrayView<float> tokenType, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> y, RowShape shape) where T : unmanaged;

    /// <summary>PTX of every kernel for one architecture, by kernel name.</summary>
    public static Dictionary<string, string> Compile(CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, architecture, instructionSet, nvvmAPI: null!);
        var result = new Dictionary<string, string>();
        foreach (var (name, method) in Kernels)
        {
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), default);
            result[name] = compiled.PTXAssembly;
        }
        return result;
    }

    /// <summary>Registers, shared memory and instruction counts of one kernel's PTX.</summary>
    public static PtxSummary Summarize(string ptx)
    {
        var registers = new Dictionary<string, int>();
        foreach (Match m in Regex.Matches(ptx, @"\.reg\s+\.(\w+)\s+%\w+<(\d+)>"))
            registers[m.Groups[1].Value] = registers.GetValueOrDefault(m.Groups[1].Value) + int.Parse(m.Groups[2].Value);
        int shared = Regex.Matches(ptx, @"\.shared\s+\.align\s+\d+\s+\.b8\s+\w+\[(\d+)\]").Sum(m => int.Parse(m.Groups[1].Value));
        var instructions = CountedInstructions.ToDictionary(i => i, i => Regex.Matches(ptx, @"(?m)^\s*" + Regex.Escape(i) + @"[\s.]").Count);
        return new PtxSummary(registers, shared, instructions);
    }

    /// <summary>The kernel method behind a delegate: generic instantiations without reflection lookups.</summary>
    private static MethodInfo Method<TDelegate>(TDelegate kernel) where TDelegate : Delegate => kernel.Method;
}
