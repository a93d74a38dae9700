using System.Runtime.CompilerServices;
using EmbedRt.Kernels.Cpu.Simd;

namespace EmbedRt.Kernels.Cpu.Attention;

/// <summary>
/// Flash-style attention for one (sequence, head, block of query rows): keys and values are streamed in tiles
/// of <see cref="KeyBlock"/> rows with an online softmax (running max m, running sum l, output rescaled by
/// e^(m_old − m_new) whenever the max grows), so memory is O(block²) whatever the sequence length.
/// Query rows are processed in pairs (scores) and fours (values) so each loaded K/V vector feeds several FMA chains. Like every kernel body,
/// the methods are compiled fully optimized from their first call (AggressiveOptimization): a single embedding
/// call must not run through unoptimized tier-0 code, and profile-guided recompilation only ever made them slower.
/// </summary>
internal static unsafe class FlashAttention<TS, TVec> where TS : ISimd<TVec> where TVec : unmanaged
{
    public const int QueryBlock = 64;
    public const int KeyBlock = 64;

    /// <summary>Scratch floats one worker needs for head size <paramref name="headDim"/>.</summary>
    public static long ScratchLength(int headDim) => 2L * QueryBlock * headDim + (long)headDim * KeyBlock + QueryBlock * KeyBlock + 3 * QueryBlock;

    /// <summary>
    /// Writes the context rows [firstQuery, firstQuery + QueryBlock) ∩ sequence of one head: qkv is the packed
    /// [tokens, 3·hidden] input, context the [tokens, hidden] output, the sequence owns rows
    /// [start, start + length), scratch holds <see cref="ScratchLength"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block(float* qkv, float* context, int heads, int headDim, int head, int start, int length,
        int firstQuery, float* scratch)
    {
        int d = headDim, hidden = heads * headDim, stride = 3 * hidden;
        int queries = Math.Min(QueryBlock, length - firstQuery);
        int paddedQueries = (queries + 3) & ~3;
        float* q = scratch;
        float* keysT = q + QueryBlock * d;
        float* scores = keysT + d * KeyBlock;
        float* output = scores + QueryBlock * KeyBlock;
        float* runningMax = output + QueryBlock * d;
        float* runningSum = runningMax + QueryBlock;
        float* rescale = runningSum + QueryBlock;

        float scale = 1f / MathF.Sqrt(d);
        for (int i = 0; i < paddedQueries; i++)
        {
            float* row = q + i * d;
            if (i < queries)
            {
                float* source = qkv + (long)(start + firstQuery + i) * stride + head * d;
                for (int c = 0; c < d; c++) row[c] = source[c] * scale;
            }
            else
            {
                new Span<float>(row, d).Clear();
            }
            new Span<float>(output + i * d, d).Clear();
            runningMax[i] = float.NegativeInfinity;
            runningSum[i] = 0f;
        }

        float* keyBase = qkv + (long)start * stride + hidden + head * d;
        float* valueBase = keyBase + hidden;
        for (int firstKey = 0; firstKey < length; firstKey += KeyBlock)
        {
            int keys = Math.Min(KeyBlock, length - firstKey);
            TransposeKeys(keyBase + (long)firstKey * stride, stride, d, keys, keysT);
            Scores(q, keysT, scores, paddedQueries, d);
            for (int i = 0; i < paddedQueries; i++)
                rescale[i] = SoftmaxStep(scores + i * KeyBlock, keys, runningMax + i, runningSum + i);
            for (int i = 0; i < paddedQueries; i += 4)
                AccumulateValues(scores + i * KeyBlock, output + i * d, rescale + i, valueBase + (long)firstKey * stride, stride, keys, d);
        }

        for (int i = 0; i < queries; i++)
        {
            float* destination = context + (long)(start + firstQuery + i) * hidden + head * d;
            float inverse = 1f / runningSum[i];
            float* row = output + i * d;
            for (int c = 0; c < d; c++) destination[c] = row[c] * inverse;
        }
    }

    /// <summary>keysT[c, j] = K[j, c]; columns past <paramref name="keys"/> are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransposeKeys(float* keys0, int stride, int d, int keys, float* keysT)
    {
        for (int j = 0; j < keys; j++)
        {
            float* source = keys0 + (long)j * stride;
            for (int c = 0; c < d; c++) keysT[c * KeyBlock + j] = source[c];
        }
        if (keys == KeyBlock) return;
        for (int c = 0; c < d; c++) new Span<float>(keysT + c * KeyBlock + keys, KeyBlock - keys).Clear();
    }

    /// <summary>scores[i, j] = q[i] · k[j] (q pre-scaled), two query rows × 4 vectors of keys at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scores(float* q, float* keysT, float* scores, int rows, int d)
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
                for (int c = 0; c < d; c++, k += KeyBlock)
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
    /// Turns one row of scores into e^(s − m_new) in place, folds it into the running max and sum, and returns
    /// the factor e^(m_old − m_new) by which the row's partial output must be rescaled.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxStep(float* row, int keys, float* runningMax, float* runningSum)
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
        *runningSum = *runningSum * alpha + TS.Sum(sum);
        return alpha;
    }

    /// <summary>
    /// out[i] = out[i]·alpha[i] + Σ_j p[i, j]·V[j] for four query rows at once: two vectors of four rows keep
    /// eight FMA chains in flight, and each value vector is loaded once for four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateValues(float* p0, float* out0, float* alpha, float* values, int stride, int keys, int d)
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
            for (int j = 0; j < keys; j++, v += stride)
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
            for (int j = 0; j < keys; j++, v += stride)
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
            for (int j = 0; j < keys; j++, v += stride)
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
