using EmbedRt.Bench.Cuda;

// embedrt-cuda-bench ptx [dir] | check | kernels [--peak-tflops N] | e2e --model DIR [--batch 32] [--length 128]
//   | overlap|m3|reranker --model DIR [--batch 32] [--length 128] [--sim] | share --model DIR [--with DIR] [--batch 32] [--length 128] [--sim]
var command = args.Length > 0 ? args[0] : "help";
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
try
{
    return command switch
    {
        "ptx" => PtxTable.Run(args.Length > 1 ? args[1] : null),
        "check" => KernelLab.Check(),
        "kernels" => KernelLab.Time(Option("--peak-tflops") is { } peak ? double.Parse(peak) : null),
        "e2e" => EndToEnd.Run(Option("--model") ?? throw new ArgumentException("e2e needs --model DIR"),
            int.Parse(Option("--batch") ?? "32"), int.Parse(Option("--length") ?? "128")),
        "overlap" or "m3" or "reranker" => Pipeline(command),
        "share" => ShareBench.Run(Option("--model") ?? throw new ArgumentException("share needs --model DIR"),
            Option("--with") ?? Option("--model")!, int.Parse(Option("--batch") ?? "32"), int.Parse(Option("--length") ?? "128"), args.Contains("--sim")),
        _ => Usage(),
    };
}
catch (Exception e) when (e is EmbedRt.Kernels.Cuda.GpuUnavailableException or ArgumentException)
{
    Console.Error.WriteLine($"embedrt-cuda-bench: {e.Message}");
    return 2;
}

int Pipeline(string which)
{
    string model = Option("--model") ?? throw new ArgumentException($"{which} needs --model DIR");
    int batch = int.Parse(Option("--batch") ?? "32"), length = int.Parse(Option("--length") ?? "128");
    bool simulator = args.Contains("--sim");
    return which switch
    {
        "overlap" => PipelineBench.Overlap(model, batch, length, simulator),
        "m3" => PipelineBench.M3(model, batch, length, simulator),
        _ => PipelineBench.Reranker(model, batch, length, simulator),
    };
}

static int Usage()
{
    Console.Error.WriteLine("usage: ptx [dir] | check | kernels [--peak-tflops N] | e2e --model DIR [--batch 32] [--length 128]"
        + " | overlap|m3|reranker --model DIR [--batch 32] [--length 128] [--sim] | share --model DIR [--with DIR] [--batch 32] [--length 128] [--sim]");
    return 1;
}
