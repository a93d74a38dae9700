using BenchmarkDotNet.Attributes;
using EmbedRt.Kernels.Cpu;
using EmbedRt.Kernels.Reference;

namespace EmbedRt.Kernels.Bench;

/// <summary>Reference vs fast add + LayerNorm over BERT-base hidden states (512 tokens × 768).</summary>
public class LayerNormBenchmarks : KernelBenchmark
{
    private const int Rows = 512, Cols = 768;
    private readonly ReferenceKernels _reference = new();
    private CpuKernels _kernels = null!;
    private float[] _x = [], _residual = [], _gamma = [], _beta = [], _y = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernels = new CpuKernels(Threads);
        _x = Data(Rows * Cols, 1, 3f);
        _residual = Data(Rows * Cols, 2);
        _gamma = Data(Cols, 3);
        _beta = Data(Cols, 4);
        _y = new float[Rows * Cols];
        var expected = new float[_y.Length];
        _reference.AddLayerNorm(_x, _residual, _gamma, _beta, 1e-12f, Rows, Cols, expected);
        Fast();
        Validate(_y, expected, 1e-5, "add + LayerNorm");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernels.Dispose();

    [Benchmark(Baseline = true)]
    public void Reference() => _reference.AddLayerNorm(_x, _residual, _gamma, _beta, 1e-12f, Rows, Cols, _y);

    [Benchmark]
    public void Fast() => _kernels.AddLayerNorm(_x, _residual, _gamma, _beta, 1e-12f, Rows, Cols, _y);
}

/// <summary>Reference vs fast exact GELU over a BERT-base FFN activation (512 tokens × 3072).</summary>
public class GeluBenchmarks : KernelBenchmark
{
    private const int Length = 512 * 3072;
    private readonly ReferenceKernels _reference = new();
    private readonly CpuKernels _kernels = new(1);
    private float[] _input = [], _data = [];

    [GlobalSetup]
    public void Setup()
    {
        _input = Data(Length, 5, 4f);
        _data = (float[])_input.Clone();
        var expected = (float[])_input.Clone();
        _reference.Activate(expected, Activation.GeluErf);
        _kernels.Activate(_data, Activation.GeluErf);
        Validate(_data, expected, 2e-6, "GELU");
    }

    // Each run restores the input first (same cost in both): GELU applied over and over would drift to denormals.
    [Benchmark(Baseline = true)]
    public void Reference()
    {
        _input.CopyTo(_data, 0);
        _reference.Activate(_data, Activation.GeluErf);
    }

    [Benchmark]
    public void Fast()
    {
        _input.CopyTo(_data, 0);
        _kernels.Activate(_data, Activation.GeluErf);
    }
}
