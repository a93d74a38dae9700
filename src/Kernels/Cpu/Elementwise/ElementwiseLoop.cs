using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Elementwise;

/// <summary>In-place element-wise loops, written once for every width.</summary>
internal static unsafe class ElementwiseLoop<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    /// <summary>Applies <paramref name="activation"/> to <paramref name="length"/> floats in place.</summary>
    public static void Apply(float* data, int length, Activation activation)
    {
        switch (activation)
        {
            case Activation.None: return;
            case Activation.GeluErf: Map<GeluErfOp<TS, TVec>>(data, length); return;
            case Activation.GeluTanh: Map<GeluTanhOp<TS, TVec>>(data, length); return;
            case Activation.Relu: Map<ReluOp<TS, TVec>>(data, length); return;
            case Activation.Tanh: Map<TanhOp<TS, TVec>>(data, length); return;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }

    /// <summary>data[i] = TOp(data[i]); the tail goes through a padded vector so it gets the same arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<TOp>(float* data, int length) where TOp : IVectorOp<TVec>
    {
        int count = TS.Count, i = 0;
        for (; i <= length - 4 * count; i += 4 * count)
        {
            TS.Store(TOp.Invoke(TS.Load(data + i)), data + i);
            TS.Store(TOp.Invoke(TS.Load(data + i + count)), data + i + count);
            TS.Store(TOp.Invoke(TS.Load(data + i + 2 * count)), data + i + 2 * count);
            TS.Store(TOp.Invoke(TS.Load(data + i + 3 * count)), data + i + 3 * count);
        }
        for (; i <= length - count; i += count) TS.Store(TOp.Invoke(TS.Load(data + i)), data + i);
        int rest = length - i;
        if (rest == 0) return;
        float* tail = stackalloc float[count];
        for (int j = 0; j < count; j++) tail[j] = j < rest ? data[i + j] : 0f;
        TS.Store(TOp.Invoke(TS.Load(tail)), tail);
        for (int j = 0; j < rest; j++) data[i + j] = tail[j];
    }
}
