using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda.Kernels;

/// <summary>
/// The GEMM tile edge as a type, so ILGPU sees compile-time constants for shared-memory sizes: a tile is
/// Size × Size outputs, its k-step Size / 4, its group (Size / 4)² threads of 4 × 4 outputs each.
/// </summary>
public interface IGemmTile
{
    /// <summary>Tile edge (a multiple of 16).</summary>
    int Size { get; }
}

/// <summary>16 × 16 tiles, 16 threads: for ILGPU's CPU simulator, where every thread is a real thread.</summary>
public readonly struct GemmTile16 : IGemmTile
{
    /// <inheritdoc />
    public int Size => 16;
}

/// <summary>64 × 64 tiles, 256 threads, k-step 16, 32 KiB of double-buffered shared memory: the GPU size.</summary>
public readonly struct GemmTile64 : IGemmTile
{
    /// <inheritdoc />
    public int Size => 64;
}

/// <summary>
/// y[Rows, Out] = act(x[Rows, In] · W[Out, In]ᵀ + b), activation as an <see cref="Activation"/> code. With
/// <paramref name="SkipFirstOf"/> sequences (cumulative offsets in the kernel's offsets view), x's rows are those
/// sequences' packed rows and each sequence's first row is left out (ColBERT skips CLS): row r of y is x's row r + s + 1,
/// s the sequence it falls in.
/// </summary>
public readonly record struct GemmShape(int Rows, int Out, int In, int Activation, int SkipFirstOf = 0);

/// <summary>
/// Tiled shared-memory GEMM, the GPU twin of <see cref="Reference.ReferenceKernels.Linear"/>: x and the PyTorch
/// weight are both k-contiguous, loaded one 16-byte vector per thread per k-step (F16 / BF16 weights as 8-byte
/// vectors widened in registers), stored k-major into shared memory, and each thread accumulates a 4 × 4
/// register block with fma from two 16-byte shared loads per k. Double-buffered: the next k-step is loaded into
/// registers while the current one is multiplied, then stored into the other buffer, one barrier per step.
/// Bias and the activation are applied in the epilogue. Grid: (⌈Out / Size⌉, ⌈Rows / Size⌉). Rows of x can skip
/// each sequence's first (<see cref="GemmShape.SkipFirstOf"/>): every thread loads one row of x, so it maps that
/// row once, before the k loop, and the loop is unchanged.
/// </summary>
public static class GemmKernel
{
    /// <summary>One output tile.</summary>
    public static void Linear<TTile, T, TReader>(ArrayView<float> x, ArrayView<T> weight, ArrayView<float> bias,
        int hasBias, ArrayView<int> offsets, ArrayView<float> y, GemmShape shape)
        where TTile : struct, IGemmTile
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        int size = default(TTile).Size, depth = default(TTile).Size / 4, lanes = default(TTile).Size / 4;
        var tileA = SharedMemory.Allocate<float>(default(TTile).Size * default(TTile).Size / 2); // 2 × [depth][size]
        var tileB = SharedMemory.Allocate<float>(default(TTile).Size * default(TTile).Size / 2);
        var tileA4 = tileA.Cast<Float4>().AsAligned(16);
        var tileB4 = tileB.Cast<Float4>().AsAligned(16);

        int thread = Group.IdxX, tx = thread % lanes, ty = thread / lanes;
        int rowBase = Grid.IdxY * size, colBase = Grid.IdxX * size;
        // The vector this thread loads each k-step: row loadRow of the tile, k columns [4·loadQuad, 4·loadQuad + 4).
        int loadRow = thread / (depth / 4), loadK = thread % (depth / 4) * 4;
        int k = shape.In;
        bool vectors = k % 4 == 0;
        int rowA = rowBase + loadRow;
        int sourceA = shape.SkipFirstOf > 0 && rowA < shape.Rows ? RowAfterFirst(offsets, shape.SkipFirstOf, rowA) : rowA;

        var nextA = LoadX(x, rowA, sourceA, loadK, shape, vectors);
        var nextB = LoadWeight<T, TReader>(weight, colBase + loadRow, loadK, shape, vectors);
        StoreKMajor(tileA, 0, size, loadRow, loadK, nextA);
        StoreKMajor(tileB, 0, size, loadRow, loadK, nextB);
        Group.Barrier();

        var acc = default(Block4x4);
        int steps = (k + depth - 1) / depth;
        for (int step = 0; step < steps; step++)
        {
            int current = step & 1;
            bool more = step + 1 < steps;
            if (more)
            {
                nextA = LoadX(x, rowA, sourceA, (step + 1) * depth + loadK, shape, vectors);
                nextB = LoadWeight<T, TReader>(weight, colBase + loadRow, (step + 1) * depth + loadK, shape, vectors);
            }
            int bufferQuads = current * depth * lanes;
            for (int kk = 0; kk < depth; kk++)
                acc.Accumulate(tileA4[bufferQuads + kk * lanes + ty], tileB4[bufferQuads + kk * lanes + tx]);
            if (more)
            {
                StoreKMajor(tileA, 1 - current, size, loadRow, loadK, nextA);
                StoreKMajor(tileB, 1 - current, size, loadRow, loadK, nextB);
            }
            Group.Barrier();
        }

        int row = rowBase + ty * 4, col = colBase + tx * 4;
        var b = LoadBias(bias, hasBias, col, shape.Out);
        StoreRow(y, row, col, shape, b, acc.C00, acc.C01, acc.C02, acc.C03);
        StoreRow(y, row + 1, col, shape, b, acc.C10, acc.C11, acc.C12, acc.C13);
        StoreRow(y, row + 2, col, shape, b, acc.C20, acc.C21, acc.C22, acc.C23);
        StoreRow(y, row + 3, col, shape, b, acc.C30, acc.C31, acc.C32, acc.C33);
    }

    /// <summary>
    /// x's row for output row <paramref name="row"/> when each of <paramref name="sequences"/> skips its first row: the
    /// last sequence s whose packed start offsets[s] − s is ≤ row holds it (binary search; empty ones are passed over).
    /// </summary>
    private static int RowAfterFirst(ArrayView<int> offsets, int sequences, int row)
    {
        int low = 0, high = sequences - 1;
        while (low < high)
        {
            int middle = (low + high + 1) / 2;
            if (offsets[middle] - middle <= row) low = middle;
            else high = middle - 1;
        }
        return row + low + 1;
    }

    private static Float4 LoadX(ArrayView<float> x, int row, int sourceRow, int kIndex, GemmShape shape, bool vectors)
    {
        if (row >= shape.Rows) return default;
        long first = (long)sourceRow * shape.In + kIndex;
        if (vectors && kIndex + 4 <= shape.In) return x.Cast<Float4>().AsAligned(16)[first / 4];
        return new Float4
        {
            X = kIndex < shape.In ? x[first] : 0f,
            Y = kIndex + 1 < shape.In ? x[first + 1] : 0f,
            Z = kIndex + 2 < shape.In ? x[first + 2] : 0f,
            W = kIndex + 3 < shape.In ? x[first + 3] : 0f,
        };
    }

    private static Float4 LoadWeight<T, TReader>(ArrayView<T> weight, int outRow, int kIndex, GemmShape shape, bool vectors)
        where T : unmanaged
        where TReader : struct, IElementReader<T>
    {
        if (outRow >= shape.Out) return default;
        var reader = default(TReader);
        long first = (long)outRow * shape.In + kIndex;
        if (vectors && kIndex + 4 <= shape.In) return reader.Read4(weight, first / 4);
        return new Float4
        {
            X = kIndex < shape.In ? reader.Read(weight, first) : 0f,
            Y = kIndex + 1 < shape.In ? reader.Read(weight, first + 1) : 0f,
            Z = kIndex + 2 < shape.In ? reader.Read(weight, first + 2) : 0f,
            W = kIndex + 3 < shape.In ? reader.Read(weight, first + 3) : 0f,
        };
    }

    /// <summary>Writes 4 consecutive k of one row into buffer [k][size] (k-major, so a thread's 4 rows are one vector).</summary>
    private static void StoreKMajor(ArrayView<float> tile, int buffer, int size, int row, int kIndex, Float4 v)
    {
        int first = buffer * size * size / 4 + kIndex * size + row;
        tile[first] = v.X;
        tile[first + size] = v.Y;
        tile[first + 2 * size] = v.Z;
        tile[first + 3 * size] = v.W;
    }

    private static Float4 LoadBias(ArrayView<float> bias, int hasBias, int col, int outFeatures) => hasBias == 0
        ? default
        : new Float4
        {
            X = col < outFeatures ? bias[col] : 0f,
            Y = col + 1 < outFeatures ? bias[col + 1] : 0f,
            Z = col + 2 < outFeatures ? bias[col + 2] : 0f,
            W = col + 3 < outFeatures ? bias[col + 3] : 0f,
        };

    private static void StoreRow(ArrayView<float> y, int row, int col, GemmShape shape, Float4 bias, float c0, float c1, float c2, float c3)
    {
        if (row >= shape.Rows) return;
        long first = (long)row * shape.Out + col;
        if (col < shape.Out) y[first] = DeviceMath.Activate(c0 + bias.X, shape.Activation);
        if (col + 1 < shape.Out) y[first + 1] = DeviceMath.Activate(c1 + bias.Y, shape.Activation);
        if (col + 2 < shape.Out) y[first + 2] = DeviceMath.Activate(c2 + bias.Z, shape.Activation);
        if (col + 3 < shape.Out) y[first + 3] = DeviceMath.Activate(c3 + bias.W, shape.Activation);
    }
}

/// <summary>A thread's 4 × 4 accumulators, kept in registers (named fields, no indexing).</summary>
public struct Block4x4
{
    /// <summary>Accumulator of output row i, column j.</summary>
    public float C00, C01, C02, C03, C10, C11, C12, C13, C20, C21, C22, C23, C30, C31, C32, C33;

    /// <summary>c += a ⊗ b: 16 fma.</summary>
    public void Accumulate(Float4 a, Float4 b)
    {
        C00 = DeviceMath.Fma(a.X, b.X, C00); C01 = DeviceMath.Fma(a.X, b.Y, C01); C02 = DeviceMath.Fma(a.X, b.Z, C02); C03 = DeviceMath.Fma(a.X, b.W, C03);
        C10 = DeviceMath.Fma(a.Y, b.X, C10); C11 = DeviceMath.Fma(a.Y, b.Y, C11); C12 = DeviceMath.Fma(a.Y, b.Z, C12); C13 = DeviceMath.Fma(a.Y, b.W, C13);
        C20 = DeviceMath.Fma(a.Z, b.X, C20); C21 = DeviceMath.Fma(a.Z, b.Y, C21); C22 = DeviceMath.Fma(a.Z, b.Z, C22); C23 = DeviceMath.Fma(a.Z, b.W, C23);
        C30 = DeviceMath.Fma(a.W, b.X, C30); C31 = DeviceMath.Fma(a.W, b.Y, C31); C32 = DeviceMath.Fma(a.W, b.Z, C32); C33 = DeviceMath.Fma(a.W, b.W, C33);
    }
}
