using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Attention;

/// <summary>
/// Spreads <see cref="FlashAttention{TS,TVec}"/> over the pool: one task per (block of query rows, head) of every
/// sequence, so a single long sequence still keeps every worker busy. Scratch grows with the head size only.
/// </summary>
internal sealed unsafe class AttentionJob<TS, TVec> : ParallelJob where TS : ISimd<TVec> where TVec : unmanaged
{
    private const int QueryBlock = FlashAttention<TS, TVec>.QueryBlock;
    private readonly WorkerPool _pool;
    private readonly AlignedBuffer?[] _scratch;
    private int[] _offsets = new int[2];
    private int[] _firstBlock = new int[2];
    private int _sequences;
    private float* _qkv;
    private float* _context;
    private int _heads;
    private int _headDim;

    public AttentionJob(WorkerPool pool)
    {
        _pool = pool;
        _scratch = new AlignedBuffer?[pool.Workers];
    }

    public void Run(float* qkv, ReadOnlySpan<int> sequenceOffsets, int heads, int headDim, float* context)
    {
        int sequences = sequenceOffsets.Length - 1;
        if (sequences <= 0) return;
        if (_offsets.Length < sequences + 1)
        {
            _offsets = new int[sequences + 1];
            _firstBlock = new int[sequences + 1];
        }
        sequenceOffsets.CopyTo(_offsets);
        _firstBlock[0] = 0;
        for (int s = 0; s < sequences; s++)
            _firstBlock[s + 1] = _firstBlock[s] + (_offsets[s + 1] - _offsets[s] + QueryBlock - 1) / QueryBlock;
        long length = FlashAttention<TS, TVec>.ScratchLength(headDim);
        for (int w = 0; w < _scratch.Length; w++) _scratch[w] = AlignedBuffer.AtLeast(_scratch[w], length);

        _sequences = sequences;
        _qkv = qkv;
        _context = context;
        _heads = heads;
        _headDim = headDim;
        _pool.Run(this, _firstBlock[sequences] * heads);
    }

    public override void Execute(int task, int worker)
    {
        int block = task / _heads, head = task % _heads;
        // The sequence owning this block: the last s with _firstBlock[s] <= block.
        int low = 0, high = _sequences - 1;
        while (low < high)
        {
            int mid = (low + high + 1) >> 1;
            if (_firstBlock[mid] <= block) low = mid; else high = mid - 1;
        }
        int start = _offsets[low];
        int firstQuery = (block - _firstBlock[low]) * QueryBlock;
        FlashAttention<TS, TVec>.Block(_qkv, _context, _heads, _headDim, head, start, _offsets[low + 1] - start,
            firstQuery, _scratch[worker]!.Pointer);
    }
}
