using EmbedRt.Kernels.Cuda;
using ILGPU.Runtime.Cuda;

namespace EmbedRt.Bench.Cuda;

/// <summary>The per-kernel PTX table of bench/results/cuda-kernels.md; optionally writes the .ptx files (for ptxas on a GPU machine).</summary>
internal static class PtxTable
{
    public static int Run(string? directory)
    {
        foreach (var (label, architecture, isa) in new[] { ("sm_80", CudaArchitecture.SM_80, CudaInstructionSet.ISA_80), ("sm_90", CudaArchitecture.SM_90, CudaInstructionSet.ISA_80) })
        {
            var kernels = PtxReport.Compile(architecture, isa);
            string target = System.Text.RegularExpressions.Regex.Match(kernels.Values.First(), @"\.target\s+(\w+)").Groups[1].Value;
            Console.WriteLine($"### Compiled for {label} (PTX `.target {target}`)");
            Console.WriteLine();
            Console.WriteLine("| kernel | .reg declared (f32 / b32 / b64 / pred) | shared bytes | " + string.Join(" | ", PtxReport.CountedInstructions) + " |");
            Console.WriteLine("|---|---|---|" + string.Concat(PtxReport.CountedInstructions.Select(_ => "---|")));
            foreach (var (name, ptx) in kernels)
            {
                var s = PtxReport.Summarize(ptx);
                string regs = $"{s.Registers.GetValueOrDefault("f32")} / {s.Registers.GetValueOrDefault("b32")} / {s.Registers.GetValueOrDefault("b64")} / {s.Registers.GetValueOrDefault("pred")}";
                Console.WriteLine($"| {name} | {regs} | {s.SharedBytes} | " + string.Join(" | ", PtxReport.CountedInstructions.Select(i => s.Instructions[i])) + " |");
                if (directory is not null)
                {
                    Directory.CreateDirectory(directory);
                    File.WriteAllText(Path.Combine(directory, $"{name}.{label}.ptx"), ptx);
                }
            }
            Console.WriteLine();
        }
        return 0;
    }
}
