using EmbedRt.Kernels.Cpu.Simd;
using EmbedRt.Kernels.Cpu.Threading;

namespace EmbedRt.Kernels.Cpu.Normalization;

/// <summary>
/// The embedding layer per token: the word, position and token-type rows are summed straight into the output
/// row, which <see cref="LayerNorm{TS,TVec}"/> then normalizes in place while it is still in L1. A 16-bit
/// word table is widened into the output row first. Indices arrive validated.
/// </summary>
internal sealed unsafe class EmbeddingLayerNormJob<TS, TVec>(WorkerPool pool) : RowChunkJob(pool)
    where TS : ISimd<TVec> where TVec : unmanaged
{
    private int* _ids, _positions, _typeIds;
    private float* _word, _position, _tokenType, _gamma, _beta, _y;
    private ushort* _halfWord;
    private HalfFormat _halfFormat;
    private float _eps;
    private int _cols;

    /// <summary>Runs over a float32 word table (<paramref name="word"/>) or, when it is null, a 16-bit one.</summary>
    public void Run(int* ids, int* positions, int* typeIds, float* word, ushort* halfWord, HalfFormat halfFormat,
        float* position, float* tokenType, float* gamma, float* beta, float eps, int tokens, int cols, float* y)
    {
        _halfWord = halfWord;
        _halfFormat = halfFormat;
        _ids = ids;
        _positions = positions;
        _typeIds = typeIds;
        _word = word;
        _position = position;
        _tokenType = tokenType;
        _gamma = gamma;
        _beta = beta;
        _eps = eps;
        _cols = cols;
        _y = y;
        RunRows(tokens, cols);
    }

    protected override void Row(int row)
    {
        int cols = _cols;
        float* y = _y + (long)row * cols;
        float* w;
        if (_word != null)
        {
            w = _word + (long)_ids[row] * cols;
        }
        else
        {
            HalfConversion.Widen(_halfWord + (long)_ids[row] * cols, _halfFormat, y, cols);
            w = y;
        }
        float* p = _position + (long)_positions[row] * cols;
        float* k = _tokenType + (long)_typeIds[row] * cols;
        int n = TS.Count, c = 0;
        for (; c <= cols - n; c += n) TS.Store(TS.Add(TS.Add(TS.Load(w + c), TS.Load(p + c)), TS.Load(k + c)), y + c);
        for (; c < cols; c++) y[c] = w[c] + p[c] + k[c];
        LayerNorm<TS, TVec>.Row(y, null, _gamma, _beta, _eps, cols, y);
    }
}
