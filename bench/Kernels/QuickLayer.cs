using System.Diagnostics;
using System.Globalization;
using EmbedRt.Kernels.Cpu;

namespace EmbedRt.Kernels.Bench;

/// <summary>
/// Times each kernel of one encoder layer (the sequence Encoder.Forward runs) on a packed batch of equal-length
/// sequences, to show where a layer's time goes. Usage:
/// quick-layer [hidden] [heads] [ffn] [sequence-length] [sequences] [threads] [seconds] [stage]
/// (a stage name such as "attention" runs only that stage, for profilers).
/// Each stage reports its best time over the runs, GFLOP/s and its share of the summed stage times.
/// </summary>
public static class QuickLayer
{
    public static void Run(string[] args)
    {
        int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
        int hidden = Arg(1, 384), heads = Arg(2, 12), ffn = Arg(3, 1536), length = Arg(4, 128), sequences = Arg(5, 32), threads = Arg(6, 1);
        double seconds = args.Length > 7 ? double.Parse(args[7], CultureInfo.InvariantCulture) : 2;
        int tokens = length * sequences, headDim = hidden / heads;
        using var kernels = new CpuKernels(threads);
        var qkvWeights = kernels.PrepareLinear(Data(3 * hidden * hidden, 1), Data(3 * hidden, 2), 3 * hidden, hidden);
        var outWeights = kernels.PrepareLinear(Data(hidden * hidden, 3), Data(hidden, 4), hidden, hidden);
        var upWeights = kernels.PrepareLinear(Data(ffn * hidden, 5), Data(ffn, 6), ffn, hidden);
        var downWeights = kernels.PrepareLinear(Data(hidden * ffn, 7), Data(hidden, 8), hidden, ffn);
        var gamma = Data(hidden, 9);
        var beta = Data(hidden, 10);
        var state = Data(tokens * hidden, 11);
        var qkv = Data(tokens * 3 * hidden, 12);
        var context = new float[tokens * hidden];
        var projected = new float[tokens * hidden];
        var inner = new float[tokens * ffn];
        var offsets = new int[sequences + 1];
        for (int s = 1; s <= sequences; s++) offsets[s] = s * length;

        double attentionFlops = 4.0 * sequences * length * length * hidden;
        var stages = new (string Name, double Flops, Action Body)[]
        {
            ("qkv linear", 2.0 * tokens * hidden * 3 * hidden, () => kernels.Linear(state, tokens, qkvWeights, qkv, Activation.None)),
            ("attention", attentionFlops, () => kernels.Attention(qkv, offsets, heads, headDim, context)),
            ("output linear", 2.0 * tokens * hidden * hidden, () => kernels.Linear(context, tokens, outWeights, projected, Activation.None)),
            ("add+layernorm", 0, () => kernels.AddLayerNorm(projected, state, gamma, beta, 1e-12f, tokens, hidden, projected)),
            ("ffn up+gelu", 2.0 * tokens * hidden * ffn, () => kernels.Linear(projected, tokens, upWeights, inner, Activation.GeluErf)),
            ("ffn down", 2.0 * tokens * hidden * ffn, () => kernels.Linear(inner, tokens, downWeights, context, Activation.None)),
            ("add+layernorm", 0, () => kernels.AddLayerNorm(context, projected, gamma, beta, 1e-12f, tokens, hidden, context)),
        };
        if (args.Length > 8) stages = stages.Where(s => s.Name == args[8]).ToArray();
        var best = new double[stages.Length];
        Array.Fill(best, double.MaxValue);
        var total = Stopwatch.StartNew();
        int runs = 0;
        while (total.Elapsed.TotalSeconds < seconds || runs < 3)
        {
            for (int i = 0; i < stages.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                stages[i].Body();
                best[i] = Math.Min(best[i], watch.Elapsed.TotalSeconds);
            }
            runs++;
        }
        double sum = best.Sum(), peak = FmaPeak.MeasureGflops(0.2) * threads;
        Console.WriteLine($"{kernels.Name}, {threads} thread(s): hidden {hidden}, heads {heads}, FFN {ffn}, {sequences} × {length} tokens; peak {peak:F1} GFLOP/s; {runs} runs");
        for (int i = 0; i < stages.Length; i++)
        {
            double gflops = stages[i].Flops / best[i] / 1e9;
            string rate = stages[i].Flops > 0 ? $"{gflops,7:F1} GFLOP/s {100 * gflops / peak,5:F1}%" : new string(' ', 22);
            Console.WriteLine($"  {stages[i].Name,-14} {best[i] * 1e3,8:F3} ms {rate}  {100 * best[i] / sum,5:F1}% of layer");
        }
        double layerFlops = stages.Sum(s => s.Flops);
        Console.WriteLine($"  {"layer",-14} {sum * 1e3,8:F3} ms {layerFlops / sum / 1e9,7:F1} GFLOP/s {100 * layerFlops / sum / 1e9 / peak,5:F1}%");
    }

    private static float[] Data(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(random.NextDouble() * 0.2 - 0.1);
        return data;
    }
}
