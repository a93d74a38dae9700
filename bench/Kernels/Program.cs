using BenchmarkDotNet.Running;
using EmbedRt.Kernels.Bench;

if (args.Length > 0 && args[0] == "quick-gemm")
{
    QuickGemm.Run(args);
    return;
}
if (args.Length > 0 && args[0] == "quick-layer")
{
    QuickLayer.Run(args);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(FmaPeak).Assembly).Run(args);
