using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace EmbedRt.Loader.Safetensors;

/// <summary>One safetensors file: header validated up front, then the whole file memory-mapped read-only.</summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private int _disposed;

    private SafetensorsFile(string path, SafetensorsHeader.Contents header, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
        _map = map;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
    }

    /// <summary>The file's path as given.</summary>
    public string Path { get; }

    /// <summary>Its tensors, by name.</summary>
    public IReadOnlyDictionary<string, TensorEntry> Tensors { get; }

    /// <summary>Its __metadata__ strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported");

        var stream = ModelFile.OpenRead(path);
        try
        {
            var header = ReadHeader(path, stream);
            var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return new SafetensorsFile(path, header, map, view);
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static SafetensorsHeader.Contents ReadHeader(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw new ModelFormatException(path, $"file is {fileLength} bytes, too short for the 8-byte safetensors header length");

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw new ModelFormatException(path, $"safetensors header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        if (headerLength > SafetensorsCheckpoint.MaxHeaderLength)
            throw new ModelFormatException(path, $"safetensors header length {headerLength} exceeds the {SafetensorsCheckpoint.MaxHeaderLength}-byte limit");

        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        return SafetensorsHeader.Parse(path, json, dataStart, fileLength - dataStart);
    }

    /// <summary>Address of one of this file's tensors in the map; valid until disposal.</summary>
    public byte* DataPointer(TensorEntry entry)
    {
        ThrowIfDisposed();
        return _base + entry.DataOffset;
    }

    /// <summary>
    /// A tensor's elements as memory over the map, or null when they are not aligned to their size and must be
    /// copied. The caller matches <typeparamref name="T"/> to the dtype and checks the count fits an int.
    /// </summary>
    public ReadOnlyMemory<T>? TryMap<T>(TensorEntry entry) where T : unmanaged
    {
        ThrowIfDisposed();
        byte* start = _base + entry.DataOffset;
        if (((nuint)start & (nuint)(sizeof(T) - 1)) != 0) return null;
        return new MappedMemory<T>(this, (T*)start, (int)entry.ElementCount).Memory;
    }

    /// <summary>Drops a tensor's mapped pages from memory once it has been copied (see <see cref="PageRelease"/>).</summary>
    public void ReleasePages(TensorEntry entry)
    {
        ThrowIfDisposed();
        PageRelease.Release(_base + entry.DataOffset, entry.ByteLength);
    }

    public void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
