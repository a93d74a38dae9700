using BenchmarkDotNet.Attributes;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Reference;

namespace EmbedRt.Kernels.Bench;

/// <summary>A packed batch of equal-length sequences.</summary>
public sealed record AttentionShape(int Sequences, int Length, int Heads, int HeadDim)
{
    public override string ToString() => $"{Sequences}x{Length} h{Heads}x{HeadDim}";
}

/// <summary>Reference vs flash-style attention (BERT-base heads: 12 × 64).</summary>
public class AttentionBenchmarks : KernelBenchmark
{
    private readonly ReferenceKernels _reference = new();
    private CpuKernels _kernels = null!;
    private float[] _qkv = [], _context = [];
    private int[] _offsets = [];

    public static IEnumerable<AttentionShape> Shapes => [new(8, 64, 12, 64), new(1, 512, 12, 64)];

    [ParamsSource(nameof(Shapes))]
    public AttentionShape Shape { get; set; } = new(1, 1, 1, 1);

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels(Threads);
        int hidden = Shape.Heads * Shape.HeadDim, tokens = Shape.Sequences * Shape.Length;
        _offsets = Enumerable.Range(0, Shape.Sequences + 1).Select(s => s * Shape.Length).ToArray();
        _qkv = Data(tokens * 3 * hidden, 4);
        _context = new float[tokens * hidden];
        var expected = new float[_context.Length];
        _reference.Attention(_qkv, _offsets, Shape.Heads, Shape.HeadDim, expected);
        Fast();
        Validate(_context, expected, 1e-5, $"attention {Shape}");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernels.Dispose();

    [Benchmark(Baseline = true)]
    public void Reference() => _reference.Attention(_qkv, _offsets, Shape.Heads, Shape.HeadDim, _context);

    [Benchmark]
    public void Fast() => _kernels.Attention(_qkv, _offsets, Shape.Heads, Shape.HeadDim, _context);
}
