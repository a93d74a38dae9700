using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Attention;

/// <summary>
/// Flash-style attention for one sequence, a group of its heads and a range of its query rows. First the
/// group's Q (pre-scaled by 1/√d), K (transposed) and V are gathered per head into contiguous scratch in one
/// pass over the sequence's fused QKV rows, front to back, once per task rather than once per query block
/// (K is transposed 16 rows at a time: transposing row by row cost as much as the score FMAs). Then each block of <see cref="QueryBlock"/> query rows streams
/// the keys and values in tiles of <see cref="KeyBlock"/> with an online softmax (running max m, running sum l,
/// output rescaled by e^(m_old − m_new) whenever the max grows), so no seq × seq buffer exists whatever the
/// length. Query rows are processed in pairs (scores) and fours (values) so each loaded K/V vector feeds
/// several FMA chains. Like every kernel body, the methods are compiled fully optimized from their first call
/// (AggressiveOptimization): a single embedding call must not run through unoptimized tier-0 code, and
/// profile-guided recompilation only ever made them slower.
/// </summary>
internal static unsafe class FlashAttention<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    public const int QueryBlock = 64;
    public const int KeyBlock = 64;
    private const int TransposeRows = 16;

    /// <summary>
    /// Scratch floats one worker needs for <paramref name="groupHeads"/> heads of size <paramref name="headDim"/>
    /// and sequences up to <paramref name="longest"/> tokens.
    /// </summary>
    public static long ScratchLength(int groupHeads, int headDim, int longest) =>
        groupHeads * HeadScratch(headDim, longest) + QueryBlock * (2L * headDim + KeyBlock + 2 + TS.Count);

    private static long HeadScratch(int d, int length) => (long)d * (PaddedQueries(length) + PaddedKeys(length) + length);

    private static int PaddedKeys(int length) => (length + KeyBlock - 1) / KeyBlock * KeyBlock;

    private static int PaddedQueries(int length) => (length + 3) & ~3;

    /// <summary>
    /// Writes the context rows [firstQuery, endQuery) of heads [firstHead, endHead) of one sequence: qkv is the
    /// packed [tokens, 3·hidden] input, context the [tokens, hidden] output, the sequence owns rows
    /// [start, start + length), scratch holds <see cref="ScratchLength"/> floats for endHead − firstHead heads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float* qkv, float* context, int heads, int headDim, int firstHead, int endHead,
        int start, int length, int firstQuery, int endQuery, float* scratch)
    {
        int d = headDim, hidden = heads * d, keyStride = PaddedKeys(length);
        long headScratch = HeadScratch(d, length);
        float* blockScratch = scratch + (endHead - firstHead) * headScratch;
        Gather(qkv + (long)start * 3 * hidden, hidden, d, firstHead, endHead, length, headScratch, scratch);
        for (int head = firstHead; head < endHead; head++)
        {
            float* q = scratch + (head - firstHead) * headScratch;
            float* keysT = q + (long)d * PaddedQueries(length);
            float* values = keysT + (long)d * keyStride;
            float* output = context + (long)start * hidden + head * d;
            for (int first = firstQuery; first < endQuery; first += QueryBlock)
                Block(q + (long)first * d, Math.Min(QueryBlock, endQuery - first), keysT, keyStride, values, length, d,
                    output + (long)first * hidden, hidden, blockScratch);
        }
    }

    /// <summary>
    /// Per head of the group: q [PaddedQueries, d] scaled by 1/√d (padding rows zero), keysT [d, PaddedKeys]
    /// (padding columns zero), values [length, d]; the head's three parts follow each other in scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(float* rows, int hidden, int d, int firstHead, int endHead, int length, long headScratch,
        float* scratch)
    {
        int stride = 3 * hidden, keyStride = PaddedKeys(length), paddedQueries = PaddedQueries(length);
        float scale = 1f / MathF.Sqrt(d);
        for (int j0 = 0; j0 < length; j0 += TransposeRows)
        {
            int count = Math.Min(TransposeRows, length - j0);
            for (int j = j0; j < j0 + count; j++)
            {
                float* row = rows + (long)j * stride;
                for (int head = firstHead; head < endHead; head++)
                {
                    float* q = scratch + (head - firstHead) * headScratch;
                    float* values = q + (long)d * (paddedQueries + keyStride);
                    Scale(row + head * d, scale, q + (long)j * d, d);
                    Scale(row + 2 * hidden + head * d, 1f, values + (long)j * d, d);
                }
            }
            // K is transposed a few rows at a time while they are in L1, so that each store run fills one
            // cache line of keysT instead of touching d lines per row.
            for (int head = firstHead; head < endHead; head++)
            {
                float* keysT = scratch + (head - firstHead) * headScratch + (long)d * paddedQueries + j0;
                float* source = rows + (long)j0 * stride + hidden + head * d;
                for (int c = 0; c < d; c++, keysT += keyStride)
                    for (int j = 0; j < count; j++) keysT[j] = source[(long)j * stride + c];
            }
        }
        for (int head = firstHead; head < endHead; head++)
        {
            float* q = scratch + (head - firstHead) * headScratch;
            float* keysT = q + (long)d * paddedQueries;
            new Span<float>(q + (long)length * d, (paddedQueries - length) * d).Clear();
            if (keyStride > length)
                for (int c = 0; c < d; c++) new Span<float>(keysT + (long)c * keyStride + length, keyStride - length).Clear();
        }
    }

    /// <summary>
    /// Context rows for <paramref name="queries"/> query rows starting at <paramref name="q"/> (padded to a
    /// multiple of four with zero rows), written to <paramref name="output"/> with rows <paramref name="outputStride"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(float* q, int queries, float* keysT, int keyStride, float* values, int length, int d,
        float* output, int outputStride, float* scratch)
    {
        int paddedQueries = (queries + 3) & ~3;
        float* scores = scratch;
        float* accumulator = scores + QueryBlock * KeyBlock;
        float* runningMax = accumulator + QueryBlock * d;
        float* rescale = runningMax + QueryBlock;
        float* runningSums = rescale + QueryBlock;
        new Span<float>(accumulator, paddedQueries * d).Clear();
        new Span<float>(runningMax, paddedQueries).Fill(float.NegativeInfinity);
        new Span<float>(runningSums, paddedQueries * TS.Count).Clear();

        for (int firstKey = 0; firstKey < length; firstKey += KeyBlock)
        {
            int keys = Math.Min(KeyBlock, length - firstKey);
            Scores(q, keysT + firstKey, keyStride, scores, paddedQueries, d);
            for (int i = 0; i < paddedQueries; i++)
                rescale[i] = SoftmaxStep(scores + i * KeyBlock, keys, runningMax + i, runningSums + i * TS.Count);
            for (int i = 0; i < paddedQueries; i += 4)
                AccumulateValues(scores + i * KeyBlock, accumulator + i * d, rescale + i, values + (long)firstKey * d, keys, d);
        }

        for (int i = 0; i < queries; i++)
            Scale(accumulator + i * d, 1f / TS.Sum(TS.Load(runningSums + i * TS.Count)), output + (long)i * outputStride, d);
    }

    /// <summary>destination[c] = source[c]·factor for c &lt; count (rows of a head are too short for a copy call to pay).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scale(float* source, float factor, float* destination, int count)
    {
        int n = TS.Count, c = 0;
        TVec f = TS.Create(factor);
        for (; c <= count - n; c += n) TS.Store(TS.Multiply(TS.Load(source + c), f), destination + c);
        for (; c < count; c++) destination[c] = source[c] * factor;
    }

    /// <summary>
    /// scores[i, j] = q[i] · k[j] for one tile of <see cref="KeyBlock"/> keys (q pre-scaled; keysT rows are
    /// <paramref name="keyStride"/> apart), two query rows × 4 vectors of keys at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float* q, float* keysT, int keyStride, float* scores, int rows, int d)
    {
        int n = TS.Count;
        for (int i = 0; i < rows; i += 2)
        {
            float* q0 = q + i * d, q1 = q0 + d;
            for (int j = 0; j < KeyBlock; j += 4 * n)
            {
                TVec a0 = TS.Zero, a1 = TS.Zero, a2 = TS.Zero, a3 = TS.Zero;
                TVec b0 = TS.Zero, b1 = TS.Zero, b2 = TS.Zero, b3 = TS.Zero;
                float* k = keysT + j;
                for (int c = 0; c < d; c++, k += keyStride)
                {
                    TVec k0 = TS.Load(k), k1 = TS.Load(k + n), k2 = TS.Load(k + 2 * n), k3 = TS.Load(k + 3 * n);
                    TVec x0 = TS.Create(q0[c]), x1 = TS.Create(q1[c]);
                    a0 = TS.MultiplyAdd(x0, k0, a0);
                    a1 = TS.MultiplyAdd(x0, k1, a1);
                    a2 = TS.MultiplyAdd(x0, k2, a2);
                    a3 = TS.MultiplyAdd(x0, k3, a3);
                    b0 = TS.MultiplyAdd(x1, k0, b0);
                    b1 = TS.MultiplyAdd(x1, k1, b1);
                    b2 = TS.MultiplyAdd(x1, k2, b2);
                    b3 = TS.MultiplyAdd(x1, k3, b3);
                }
                float* s0 = scores + i * KeyBlock + j, s1 = s0 + KeyBlock;
                TS.Store(a0, s0);
                TS.Store(a1, s0 + n);
                TS.Store(a2, s0 + 2 * n);
                TS.Store(a3, s0 + 3 * n);
                TS.Store(b0, s1);
                TS.Store(b1, s1 + n);
                TS.Store(b2, s1 + 2 * n);
                TS.Store(b3, s1 + 3 * n);
            }
        }
    }

    /// <summary>
    /// Turns one row of scores into e^(s − m_new) in place, folds it into the running max and into the row's
    /// running sum (kept as a vector of partial sums, reduced once at the end of the block), and returns the
    /// factor e^(m_old − m_new) by which the row's partial output must be rescaled.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxStep(float* row, int keys, float* runningMax, float* runningSums)
    {
        int n = TS.Count;
        for (int j = keys; j < KeyBlock; j++) row[j] = float.NegativeInfinity;
        TVec max = TS.Load(row);
        for (int j = n; j < KeyBlock; j += n) max = TS.Max(max, TS.Load(row + j));
        float oldMax = *runningMax, newMax = MathF.Max(oldMax, TS.MaxAcross(max));
        TVec shift = TS.Create(newMax), sum = TS.Zero;
        for (int j = 0; j < KeyBlock; j += n)
        {
            // Masked keys (−inf) come out as the smallest normal float: never read by the value step, and
            // at most 64 × 1.2e-38 added to a sum that is ≥ 1.
            TVec p = VectorMath<TS, TVec>.Exp(TS.Subtract(TS.Load(row + j), shift));
            TS.Store(p, row + j);
            sum = TS.Add(sum, p);
        }
        float alpha = MathF.Exp(oldMax - newMax);
        *runningMax = newMax;
        TS.Store(TS.MultiplyAdd(TS.Load(runningSums), TS.Create(alpha), sum), runningSums);
        return alpha;
    }

    /// <summary>
    /// out[i] = out[i]·alpha[i] + Σ_j p[i, j]·V[j] for four query rows at once: two vectors of four rows keep
    /// eight FMA chains in flight, and each value vector is loaded once for four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateValues(float* p0, float* out0, float* alpha, float* values, int keys, int d)
    {
        int n = TS.Count, c = 0;
        float* p1 = p0 + KeyBlock, p2 = p1 + KeyBlock, p3 = p2 + KeyBlock;
        float* out1 = out0 + d, out2 = out1 + d, out3 = out2 + d;
        TVec scale0 = TS.Create(alpha[0]), scale1 = TS.Create(alpha[1]), scale2 = TS.Create(alpha[2]), scale3 = TS.Create(alpha[3]);
        for (; c <= d - 2 * n; c += 2 * n)
        {
            TVec a0 = TS.Multiply(TS.Load(out0 + c), scale0), a1 = TS.Multiply(TS.Load(out0 + c + n), scale0);
            TVec b0 = TS.Multiply(TS.Load(out1 + c), scale1), b1 = TS.Multiply(TS.Load(out1 + c + n), scale1);
            TVec e0 = TS.Multiply(TS.Load(out2 + c), scale2), e1 = TS.Multiply(TS.Load(out2 + c + n), scale2);
            TVec f0 = TS.Multiply(TS.Load(out3 + c), scale3), f1 = TS.Multiply(TS.Load(out3 + c + n), scale3);
            float* v = values + c;
            for (int j = 0; j < keys; j++, v += d)
            {
                TVec v0 = TS.Load(v), v1 = TS.Load(v + n);
                TVec x = TS.Create(p0[j]);
                a0 = TS.MultiplyAdd(x, v0, a0);
                a1 = TS.MultiplyAdd(x, v1, a1);
                x = TS.Create(p1[j]);
                b0 = TS.MultiplyAdd(x, v0, b0);
                b1 = TS.MultiplyAdd(x, v1, b1);
                x = TS.Create(p2[j]);
                e0 = TS.MultiplyAdd(x, v0, e0);
                e1 = TS.MultiplyAdd(x, v1, e1);
                x = TS.Create(p3[j]);
                f0 = TS.MultiplyAdd(x, v0, f0);
                f1 = TS.MultiplyAdd(x, v1, f1);
            }
            TS.Store(a0, out0 + c);
            TS.Store(a1, out0 + c + n);
            TS.Store(b0, out1 + c);
            TS.Store(b1, out1 + c + n);
            TS.Store(e0, out2 + c);
            TS.Store(e1, out2 + c + n);
            TS.Store(f0, out3 + c);
            TS.Store(f1, out3 + c + n);
        }
        for (; c <= d - n; c += n)
        {
            TVec a = TS.Multiply(TS.Load(out0 + c), scale0), b = TS.Multiply(TS.Load(out1 + c), scale1);
            TVec e = TS.Multiply(TS.Load(out2 + c), scale2), f = TS.Multiply(TS.Load(out3 + c), scale3);
            float* v = values + c;
            for (int j = 0; j < keys; j++, v += d)
            {
                TVec value = TS.Load(v);
                a = TS.MultiplyAdd(TS.Create(p0[j]), value, a);
                b = TS.MultiplyAdd(TS.Create(p1[j]), value, b);
                e = TS.MultiplyAdd(TS.Create(p2[j]), value, e);
                f = TS.MultiplyAdd(TS.Create(p3[j]), value, f);
            }
            TS.Store(a, out0 + c);
            TS.Store(b, out1 + c);
            TS.Store(e, out2 + c);
            TS.Store(f, out3 + c);
        }
        for (; c < d; c++)
        {
            float a = out0[c] * alpha[0], b = out1[c] * alpha[1], e = out2[c] * alpha[2], f = out3[c] * alpha[3];
            float* v = values + c;
            for (int j = 0; j < keys; j++, v += d)
            {
                a += p0[j] * *v;
                b += p1[j] * *v;
                e += p2[j] * *v;
                f += p3[j] * *v;
            }
            out0[c] = a;
            out1[c] = b;
            out2[c] = e;
            out3[c] = f;
        }
    }
}
