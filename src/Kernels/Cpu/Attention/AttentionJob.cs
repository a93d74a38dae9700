using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Attention;

/// <summary>
/// Spreads <see cref="FlashAttention{TS,TVec}"/> over the pool. A task is one sequence with all its heads
/// when the batch has enough sequences to keep every worker busy: the sequence's fused QKV rows are then read
/// from memory once and every head after the first finds them in cache. With fewer sequences (one long input
/// on many cores) each sequence is split into groups of heads, and past one task per head into chunks of query
/// blocks; every task gathers the keys and values of its heads itself. Scratch grows with the longest
/// sequence times the head size: linear in length.
/// </summary>
internal sealed unsafe class AttentionJob<TS, TVec> : ParallelJob where TS : ISimd<TVec> where TVec : unmanaged
{
    private const int QueryBlock = FlashAttention<TS, TVec>.QueryBlock;
    private const int TasksPerWorker = 2;
    private readonly WorkerPool _pool;
    private readonly AlignedBuffer?[] _scratch;
    private int[] _offsets = new int[2];
    private int[] _firstTask = new int[2];
    private int _headGroups;
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
            _firstTask = new int[sequences + 1];
        }
        sequenceOffsets.CopyTo(_offsets);
        int piecesPerSequence = Math.Max(1, (TasksPerWorker * _pool.Workers + sequences - 1) / sequences);
        _headGroups = Math.Min(heads, piecesPerSequence);
        int chunkTarget = (piecesPerSequence + heads - 1) / heads;
        int longest = 0;
        _firstTask[0] = 0;
        for (int s = 0; s < sequences; s++)
        {
            int length = _offsets[s + 1] - _offsets[s];
            longest = Math.Max(longest, length);
            _firstTask[s + 1] = _firstTask[s] + _headGroups * Chunks(length, chunkTarget);
        }
        long scratch = FlashAttention<TS, TVec>.ScratchLength((heads + _headGroups - 1) / _headGroups, headDim, longest);
        for (int w = 0; w < _scratch.Length; w++) _scratch[w] = AlignedBuffer.AtLeast(_scratch[w], scratch);

        _sequences = sequences;
        _qkv = qkv;
        _context = context;
        _heads = heads;
        _headDim = headDim;
        _pool.Run(this, _firstTask[sequences]);
    }

    private static int Chunks(int length, int target) => Math.Max(1, Math.Min(target, (length + QueryBlock - 1) / QueryBlock));

    public override void Execute(int task, int worker)
    {
        // The sequence owning this task: the last s with _firstTask[s] <= task.
        int low = 0, high = _sequences - 1;
        while (low < high)
        {
            int mid = (low + high + 1) >> 1;
            if (_firstTask[mid] <= task) low = mid; else high = mid - 1;
        }
        int start = _offsets[low], length = _offsets[low + 1] - start;
        int chunks = (_firstTask[low + 1] - _firstTask[low]) / _headGroups;
        int local = task - _firstTask[low], group = local % _headGroups, chunk = local / _headGroups;
        int blocks = (length + QueryBlock - 1) / QueryBlock;
        int firstQuery = (int)((long)chunk * blocks / chunks) * QueryBlock;
        int endQuery = Math.Min(length, (int)((long)(chunk + 1) * blocks / chunks) * QueryBlock);
        FlashAttention<TS, TVec>.Run(_qkv, _context, _heads, _headDim, group * _heads / _headGroups,
            (group + 1) * _heads / _headGroups, start, length, firstQuery, endQuery, _scratch[worker]!.Pointer);
    }
}
