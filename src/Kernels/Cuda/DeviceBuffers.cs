using ILGPU;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>A linear layer on the device: weight [Out, In] as PyTorch stores it, float32 or still 16-bit, and its bias.</summary>
public sealed class DeviceLinear : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _floats;
    private readonly MemoryBuffer1D<ushort, Stride1D.Dense>? _halves;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _bias;

    /// <summary>Uploads float32 weights.</summary>
    public DeviceLinear(Accelerator accelerator, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        (OutFeatures, InFeatures, HasBias) = (outFeatures, inFeatures, !bias.IsEmpty);
        _floats = DeviceUpload.Array(accelerator, weight);
        _bias = DeviceUpload.Array(accelerator, bias);
    }

    /// <summary>Uploads 16-bit weights as they are: half the device memory and bandwidth, widened inside the GEMM.</summary>
    public DeviceLinear(Accelerator accelerator, ReadOnlySpan<ushort> weight, HalfFormat format, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        KernelChecks.LinearShapes(weight.Length, bias.Length, outFeatures, inFeatures);
        (OutFeatures, InFeatures, HasBias, Format) = (outFeatures, inFeatures, !bias.IsEmpty, format);
        _halves = DeviceUpload.Array(accelerator, weight);
        _bias = DeviceUpload.Array(accelerator, bias);
    }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }
    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool HasBias { get; }
    /// <summary>The 16-bit encoding, or null for float32.</summary>
    public HalfFormat? Format { get; }
    /// <summary>Bytes of weights on the device.</summary>
    public long WeightBytes => _floats?.LengthInBytes ?? _halves!.LengthInBytes;

    internal ArrayView<float> Floats => _floats!.View;
    internal ArrayView<ushort> Halves => _halves!.View;
    internal ArrayView<float> Bias => _bias.View;

    /// <inheritdoc />
    public void Dispose()
    {
        _floats?.Dispose();
        _halves?.Dispose();
        _bias.Dispose();
    }
}

/// <summary>A [Rows, Cols] embedding table on the device, float32 or kept 16-bit.</summary>
public sealed class DeviceEmbeddingTable : IDisposable
{
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _floats;
    private readonly MemoryBuffer1D<ushort, Stride1D.Dense>? _halves;

    /// <summary>Uploads a host table in the encoding it has.</summary>
    public DeviceEmbeddingTable(Accelerator accelerator, EmbeddingTable table)
    {
        (Rows, Cols, Format) = (table.Rows, table.Cols, table.Format);
        if (table.Format is null) _floats = DeviceUpload.Array(accelerator, table.Floats.Span);
        else _halves = DeviceUpload.Array(accelerator, table.Halves.Span);
    }

    /// <summary>Rows.</summary>
    public int Rows { get; }
    /// <summary>Columns.</summary>
    public int Cols { get; }
    /// <summary>The 16-bit encoding, or null for float32.</summary>
    public HalfFormat? Format { get; }

    internal ArrayView<float> Floats => _floats!.View;
    internal ArrayView<ushort> Halves => _halves!.View;

    /// <inheritdoc />
    public void Dispose()
    {
        _floats?.Dispose();
        _halves?.Dispose();
    }
}

/// <summary>
/// A packed batch staged in host memory for upload (page-locked where possible): ids, positions, type ids,
/// cumulative offsets, and the attention tile table ((sequence, first query row) per query tile).
/// </summary>
internal sealed class StagedBatch : IDisposable
{
    private readonly int _queryTileRows;

    public StagedBatch(Accelerator accelerator, DeviceTransfers transfers, int queryTileRows)
    {
        _queryTileRows = queryTileRows;
        Ids = new HostBuffer<int>(accelerator, transfers);
        Positions = new HostBuffer<int>(accelerator, transfers);
        TypeIds = new HostBuffer<int>(accelerator, transfers);
        Offsets = new HostBuffer<int>(accelerator, transfers);
        Skips = new HostBuffer<int>(accelerator, transfers);
        Tiles = new HostBuffer<int>(accelerator, transfers);
    }

    public HostBuffer<int> Ids { get; }
    public HostBuffer<int> Positions { get; }
    public HostBuffer<int> TypeIds { get; }
    public HostBuffer<int> Offsets { get; }
    /// <summary>Per sequence, the leading rows a mean leaves out.</summary>
    public HostBuffer<int> Skips { get; }
    public HostBuffer<int> Tiles { get; }
    public int Count { get; private set; }
    public int Tokens { get; private set; }
    public int QueryTiles { get; private set; }

    /// <summary>Whether every staging buffer is page-locked.</summary>
    public bool PageLocked => Ids.PageLocked && Positions.PageLocked && TypeIds.PageLocked && Offsets.PageLocked && Skips.PageLocked && Tiles.PageLocked;

    /// <summary>
    /// Copies one batch in; <paramref name="offsets"/> has Count + 1 entries starting at 0; <paramref name="skips"/>
    /// (Count entries, or empty for none) the leading rows of each sequence a mean leaves out.
    /// </summary>
    public void Stage(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds, ReadOnlySpan<int> offsets, ReadOnlySpan<int> skips)
    {
        int count = offsets.Length - 1, tokens = offsets[^1];
        if (ids.Length != tokens || positions.Length != tokens || typeIds.Length != tokens)
            throw new ArgumentException($"a batch of {tokens} tokens needs as many ids, positions and type ids (got {ids.Length}, {positions.Length}, {typeIds.Length})");
        if (!skips.IsEmpty && skips.Length != count)
            throw new ArgumentException($"a batch of {count} sequences needs as many skips (got {skips.Length})");
        Skips.EnsureCapacity(count);
        for (int s = 0; s < count; s++)
        {
            int skip = skips.IsEmpty ? 0 : skips[s], length = offsets[s + 1] - offsets[s];
            if (skip < 0 || skip >= length) throw new ArgumentException($"sequence {s} of {length} tokens cannot skip {skip} (a mean keeps at least one)");
            Skips.Span[s] = skip;
        }
        int tiles = 0;
        for (int s = 0; s < count; s++) tiles += (offsets[s + 1] - offsets[s] + _queryTileRows - 1) / _queryTileRows;
        Put(Ids, ids);
        Put(Positions, positions);
        Put(TypeIds, typeIds);
        Put(Offsets, offsets);
        Tiles.EnsureCapacity(2 * tiles);
        var table = Tiles.Span;
        int t = 0;
        for (int s = 0; s < count; s++)
            for (int q = 0; q < offsets[s + 1] - offsets[s]; q += _queryTileRows)
            {
                table[t++] = s;
                table[t++] = q;
            }
        (Count, Tokens, QueryTiles) = (count, tokens, tiles);
    }

    private static void Put(HostBuffer<int> buffer, ReadOnlySpan<int> values)
    {
        buffer.EnsureCapacity(values.Length);
        values.CopyTo(buffer.Span);
    }

    public void Dispose()
    {
        Ids.Dispose();
        Positions.Dispose();
        TypeIds.Dispose();
        Offsets.Dispose();
        Skips.Dispose();
        Tiles.Dispose();
    }
}

/// <summary>
/// A packed batch on the device: ids, positions, type ids, cumulative offsets, and the attention tile table,
/// uploaded once per batch from a <see cref="StagedBatch"/> into buffers that only grow.
/// </summary>
public sealed class DeviceBatch : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly int _queryTileRows;
    private MemoryBuffer1D<int, Stride1D.Dense>? _ids, _positions, _typeIds, _offsets, _skips, _tiles;
    private StagedBatch? _staging;

    /// <summary>A batch whose attention tiles have <paramref name="queryTileRows"/> rows.</summary>
    public DeviceBatch(Accelerator accelerator, int queryTileRows)
    {
        _accelerator = accelerator;
        _queryTileRows = queryTileRows;
    }

    /// <summary>Sequences.</summary>
    public int Count { get; private set; }
    /// <summary>Tokens.</summary>
    public int Tokens { get; private set; }
    /// <summary>Query tiles of the attention launch.</summary>
    public int QueryTiles { get; private set; }

    internal ArrayView<int> Ids => _ids!.View;
    internal ArrayView<int> Positions => _positions!.View;
    internal ArrayView<int> TypeIds => _typeIds!.View;
    internal ArrayView<int> Offsets => _offsets!.View;
    internal ArrayView<int> Skips => _skips!.View;
    internal ArrayView<int> Tiles => _tiles!.View;

    /// <summary>
    /// Stages and uploads one batch, waiting for the copies; <paramref name="offsets"/> has Count + 1 entries starting
    /// at 0; <paramref name="skips"/>, if given, the leading rows of each sequence a mean leaves out.
    /// </summary>
    public void Upload(ReadOnlySpan<int> ids, ReadOnlySpan<int> positions, ReadOnlySpan<int> typeIds, ReadOnlySpan<int> offsets,
        ReadOnlySpan<int> skips = default)
    {
        _staging ??= new StagedBatch(_accelerator, new DeviceTransfers(), _queryTileRows);
        _staging.Stage(ids, positions, typeIds, offsets, skips);
        Upload(_staging, _accelerator.DefaultStream);
        _accelerator.DefaultStream.Synchronize();
    }

    /// <summary>
    /// Queues the upload of a staged batch on <paramref name="stream"/> (asynchronous from page-locked staging):
    /// the staging must stay untouched until the stream has passed it. Buffers grow here, so nothing may be in flight.
    /// </summary>
    internal void Upload(StagedBatch staged, AcceleratorStream stream)
    {
        (Count, Tokens, QueryTiles) = (staged.Count, staged.Tokens, staged.QueryTiles);
        Put(ref _ids, staged.Ids, Tokens, stream);
        Put(ref _positions, staged.Positions, Tokens, stream);
        Put(ref _typeIds, staged.TypeIds, Tokens, stream);
        Put(ref _offsets, staged.Offsets, Count + 1, stream);
        Put(ref _skips, staged.Skips, Count, stream);
        Put(ref _tiles, staged.Tiles, 2 * QueryTiles, stream);
    }

    private void Put(ref MemoryBuffer1D<int, Stride1D.Dense>? buffer, HostBuffer<int> values, int length, AcceleratorStream stream)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = _accelerator.Allocate1D<int>(Math.Max(Math.Max(length, 1), 2 * (buffer?.Length ?? 0)));
        }
        values.CopyTo(stream, buffer.View, length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ids?.Dispose();
        _positions?.Dispose();
        _typeIds?.Dispose();
        _offsets?.Dispose();
        _skips?.Dispose();
        _tiles?.Dispose();
        _staging?.Dispose();
    }
}

/// <summary>Host → device copies into buffers padded to a multiple of 4 elements (whole 16-byte vectors).</summary>
internal static class DeviceUpload
{
    public static MemoryBuffer1D<T, Stride1D.Dense> Array<T>(Accelerator accelerator, ReadOnlySpan<T> values) where T : unmanaged
    {
        var buffer = accelerator.Allocate1D<T>(Math.Max(4, (values.Length + 3) / 4 * 4));
        buffer.MemSetToZero();
        if (!values.IsEmpty) buffer.View.BaseView.SubView(0, values.Length).CopyFromCPU(values);
        return buffer;
    }
}
