using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda.Kernels;

/// <summary>Attention tile sizes as a type (compile-time constants for shared memory).</summary>
public interface IAttentionTile
{
    /// <summary>Query rows per group (the Q tile kept on chip).</summary>
    int QueryRows { get; }
    /// <summary>Key / value rows streamed through shared memory per step.</summary>
    int KeyRows { get; }
    /// <summary>The largest head size the tile holds.</summary>
    int MaxHeadDim { get; }
    /// <summary>Warps per group (the launch must use this many).</summary>
    int Warps { get; }
}

/// <summary>
/// Tiny tiles for ILGPU's CPU simulator (4 queries, 4 keys, 2 warps), holding heads up to 64 as the GPU tiles do,
/// so the simulator runs every model a GPU runs (bge-base, BGE-M3: head size 64).
/// </summary>
public readonly struct AttentionTileSmall : IAttentionTile
{
    /// <inheritdoc />
    public int QueryRows => 4;
    /// <inheritdoc />
    public int KeyRows => 4;
    /// <inheritdoc />
    public int MaxHeadDim => 64;
    /// <inheritdoc />
    public int Warps => 2;
}

/// <summary>GPU tiles: 32 queries × 32 keys, heads up to 64, 4 warps, ~34 KB of shared memory.</summary>
public readonly struct AttentionTile64 : IAttentionTile
{
    /// <inheritdoc />
    public int QueryRows => 32;
    /// <inheritdoc />
    public int KeyRows => 32;
    /// <inheritdoc />
    public int MaxHeadDim => 64;
    /// <inheritdoc />
    public int Warps => 4;
}

/// <summary>Heads, head size and the score scale 1/√headDim.</summary>
public readonly record struct AttentionShape(int Heads, int HeadDim, float Scale);

/// <summary>
/// Flash attention over a packed varlen batch, the GPU twin of <see cref="Reference.ReferenceKernels.Attention"/>.
/// Group (t, h) takes query tile t (a (sequence, first query) pair from <c>tiles</c>, so no group straddles two
/// sequences) of head h: the scaled Q tile and the output accumulators stay in shared memory while the
/// sequence's K and V tiles stream through it; each warp owns query rows, its lanes split the keys for the scores
/// (K rows padded by one float against bank conflicts) and the head dimensions for P·V, with an online softmax
/// (running max and sum per row). Memory is linear in sequence length: no seq × seq buffer exists.
/// </summary>
public static class FlashAttentionKernel
{
    /// <summary>One (query tile, head) pair.</summary>
    public static void Attention<TTile>(ArrayView<float> qkv, ArrayView<int> offsets, ArrayView<int> tiles,
        ArrayView<float> context, AttentionShape shape)
        where TTile : struct, IAttentionTile
    {
        int queryRows = default(TTile).QueryRows, keyRows = default(TTile).KeyRows, maxDim = default(TTile).MaxHeadDim;
        var q = SharedMemory.Allocate<float>(default(TTile).QueryRows * default(TTile).MaxHeadDim);
        var o = SharedMemory.Allocate<float>(default(TTile).QueryRows * default(TTile).MaxHeadDim);
        var k = SharedMemory.Allocate<float>(default(TTile).KeyRows * (default(TTile).MaxHeadDim + 1));
        var v = SharedMemory.Allocate<float>(default(TTile).KeyRows * default(TTile).MaxHeadDim);
        var p = SharedMemory.Allocate<float>(default(TTile).Warps * default(TTile).KeyRows);
        var rowMax = SharedMemory.Allocate<float>(default(TTile).QueryRows);
        var rowSum = SharedMemory.Allocate<float>(default(TTile).QueryRows);

        int sequence = tiles[2 * Grid.IdxX], queryStart = tiles[2 * Grid.IdxX + 1], head = Grid.IdxY;
        int start = offsets[sequence], length = offsets[sequence + 1] - start;
        int rows = IntrinsicMath.Min(queryRows, length - queryStart);
        int d = shape.HeadDim, hidden = shape.Heads * d, stride = 3 * hidden;
        int thread = Group.IdxX, threads = Group.DimX;
        int warp = Warp.WarpIdx, lane = Warp.LaneIdx, width = Warp.WarpSize, warps = threads / width;

        for (int e = thread; e < queryRows * d; e += threads)
        {
            int r = e / d, c = e % d;
            q[r * maxDim + c] = r < rows ? qkv[(long)(start + queryStart + r) * stride + head * d + c] * shape.Scale : 0f;
            o[r * maxDim + c] = 0f;
        }
        for (int r = thread; r < queryRows; r += threads)
        {
            rowMax[r] = float.NegativeInfinity;
            rowSum[r] = 0f;
        }

        var qkv4 = qkv.Cast<Float4>().AsAligned(16);
        int quadsPerRow = d / 4;
        for (int keyStart = 0; keyStart < length; keyStart += keyRows)
        {
            Group.Barrier(); // the previous K / V tile is no longer read (and Q, O are initialized)
            int keys = IntrinsicMath.Min(keyRows, length - keyStart);
            for (int e = thread; e < keyRows * quadsPerRow; e += threads)
            {
                int j = e / quadsPerRow, c = e % quadsPerRow * 4;
                var kq = default(Float4);
                var vq = default(Float4);
                if (j < keys)
                {
                    long first = ((long)(start + keyStart + j) * stride + hidden + head * d + c) / 4;
                    kq = qkv4[first];
                    vq = qkv4[first + hidden / 4];
                }
                int kFirst = j * (maxDim + 1) + c, vFirst = j * maxDim + c;
                k[kFirst] = kq.X; k[kFirst + 1] = kq.Y; k[kFirst + 2] = kq.Z; k[kFirst + 3] = kq.W;
                v[vFirst] = vq.X; v[vFirst + 1] = vq.Y; v[vFirst + 2] = vq.Z; v[vFirst + 3] = vq.W;
            }
            Group.Barrier();

            for (int r = warp; r < rows; r += warps)
            {
                float localMax = float.NegativeInfinity;
                for (int j = lane; j < keys; j += width)
                {
                    float score = 0f;
                    for (int c = 0; c < d; c++) score = DeviceMath.Fma(q[r * maxDim + c], k[j * (maxDim + 1) + c], score);
                    p[warp * keyRows + j] = score;
                    localMax = MathF.Max(localMax, score);
                }
                float previousMax = rowMax[r];
                float newMax = MathF.Max(previousMax, DeviceMath.WarpMax(localMax));
                float localSum = 0f;
                for (int j = lane; j < keys; j += width)
                {
                    float weight = MathF.Exp(p[warp * keyRows + j] - newMax);
                    p[warp * keyRows + j] = weight;
                    localSum += weight;
                }
                float tileSum = DeviceMath.WarpSum(localSum);
                float rescale = MathF.Exp(previousMax - newMax); // 0 on the first tile (previousMax = -∞)
                Warp.Barrier(); // every lane's weights are in p, and every lane has read rowMax[r]
                for (int c = lane; c < d; c += width)
                {
                    float acc = o[r * maxDim + c] * rescale;
                    for (int j = 0; j < keys; j++) acc = DeviceMath.Fma(p[warp * keyRows + j], v[j * maxDim + c], acc);
                    o[r * maxDim + c] = acc;
                }
                if (lane == 0)
                {
                    rowMax[r] = newMax;
                    rowSum[r] = rowSum[r] * rescale + tileSum;
                }
                Warp.Barrier(); // p is free for the warp's next row
            }
        }
        Group.Barrier();
        for (int e = thread; e < rows * d; e += threads)
        {
            int r = e / d, c = e % d;
            context[(long)(start + queryStart + r) * hidden + head * d + c] = o[r * maxDim + c] / rowSum[r];
        }
    }
}
