using BenchmarkDotNet.Attributes;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Reference;

namespace EmbedRt.Kernels.Bench;

/// <summary>An M×K by K×N product: M tokens, K input features, N output features.</summary>
public sealed record GemmShape(int M, int N, int K)
{
    public override string ToString() => $"{M}x{N}x{K}";
}

/// <summary>The fast GEMM at BERT shapes (base: 768/3072, small: 384/1536), one and two threads.</summary>
public class GemmBenchmarks : KernelBenchmark
{
    private CpuKernels _kernels = null!;
    private LinearWeights _weights = null!;
    private float[] _x = [];
    private float[] _y = [];

    public static IEnumerable<GemmShape> Shapes =>
    [
        new(128, 384, 384), new(512, 768, 768), new(512, 3072, 768), new(512, 768, 3072), new(2048, 1536, 384),
    ];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(1, 1, 1);

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels(Threads);
        var weight = Data(Shape.N * Shape.K, 2, 1f / MathF.Sqrt(Shape.K));
        var bias = Data(Shape.N, 3);
        _weights = _kernels.PrepareLinear(weight, bias, Shape.N, Shape.K);
        _x = Data(Shape.M * Shape.K, 1);
        _y = new float[Shape.M * Shape.N];
        // Validate the first rows only: the reference takes seconds for a full BERT-sized product.
        int rows = Math.Min(Shape.M, 8);
        var reference = new ReferenceKernels();
        var expected = new float[rows * Shape.N];
        reference.Linear(_x.AsSpan(0, rows * Shape.K), rows, reference.PrepareLinear(weight, bias, Shape.N, Shape.K), expected, Activation.GeluErf);
        _kernels.Linear(_x, Shape.M, _weights, _y, Activation.GeluErf);
        Validate(_y.AsSpan(0, rows * Shape.N), expected, 1e-4, $"GEMM {Shape}");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernels.Dispose();

    [Benchmark]
    public void Linear() => _kernels.Linear(_x, Shape.M, _weights, _y, Activation.None);

    [Benchmark]
    public void LinearGelu() => _kernels.Linear(_x, Shape.M, _weights, _y, Activation.GeluErf);
}

/// <summary>Reference vs fast GEMM at a shape small enough for the reference.</summary>
public class GemmVsReferenceBenchmarks : KernelBenchmark
{
    private readonly ReferenceKernels _reference = new();
    private CpuKernels _kernels = null!;
    private LinearWeights _fastWeights = null!, _referenceWeights = null!;
    private float[] _x = [], _y = [];

    public static IEnumerable<GemmShape> Shapes => [new(128, 384, 384)];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = new(1, 1, 1);

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels(1);
        var weight = Data(Shape.N * Shape.K, 2, 1f / MathF.Sqrt(Shape.K));
        var bias = Data(Shape.N, 3);
        _fastWeights = _kernels.PrepareLinear(weight, bias, Shape.N, Shape.K);
        _referenceWeights = _reference.PrepareLinear(weight, bias, Shape.N, Shape.K);
        _x = Data(Shape.M * Shape.K, 1);
        _y = new float[Shape.M * Shape.N];
        var expected = new float[_y.Length];
        _reference.Linear(_x, Shape.M, _referenceWeights, expected, Activation.None);
        _kernels.Linear(_x, Shape.M, _fastWeights, _y, Activation.None);
        Validate(_y, expected, 1e-4, $"GEMM {Shape}");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernels.Dispose();

    [Benchmark(Baseline = true)]
    public void Reference() => _reference.Linear(_x, Shape.M, _referenceWeights, _y, Activation.None);

    [Benchmark]
    public void Fast() => _kernels.Linear(_x, Shape.M, _fastWeights, _y, Activation.None);
}
