using System.Buffers.Binary;
using System.Text;

namespace EmbedRt.Loader.Torch;

/// <summary>A global a pickle refers to (module and name), resolved only against an allow-list.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A tensor storage named by a persistent id: ('storage', torch.XStorage, key, location, numel).</summary>
internal sealed record StorageReference(string StorageType, string Key, long ElementCount);

/// <summary>A tensor rebuilt by torch._utils._rebuild_tensor_v2: a view into a storage.</summary>
internal sealed record TensorReference(StorageReference Storage, long Offset, long[] Shape, long[] Stride);

/// <summary>
/// A pickle reader for PyTorch state dicts that never executes code: it understands only the opcodes a
/// state dict of tensors needs and only the globals that rebuild tensors and ordered dicts. Anything else —
/// another global (os.system, builtins.eval …), an opcode that builds arbitrary objects — is rejected with an
/// error before anything is called, so a hostile file cannot run code.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private static readonly HashSet<string> StorageTypes = ["FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage"];

    private readonly byte[] _data;
    private readonly string _source;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    private RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Reads a pickle and returns its top-level object.</summary>
    public static object? Load(byte[] data, string source) => new RestrictedUnpickler(data, source).Run();

    private object? Run()
    {
        while (true)
        {
            int offset = _position;
            byte opcode = ReadByte();
            switch (opcode)
            {
                case 0x80: ReadByte(); break;                                       // PROTO
                case 0x95: ReadBytes(8); break;                                     // FRAME
                case (byte)'.': return Pop();                                        // STOP
                case (byte)'(': _marks.Push(_stack.Count); break;                   // MARK
                case (byte)')': Push(Array.Empty<object?>()); break;                // EMPTY_TUPLE
                case (byte)'t': Push(PopToMark().ToArray()); break;                 // TUPLE
                case 0x85: Push(new[] { Pop() }); break;                            // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'}': Push(new List<KeyValuePair<object?, object?>>()); break; // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break;                   // EMPTY_LIST
                case (byte)'N': Push(null); break;                                  // NONE
                case 0x88: Push(true); break;                                       // NEWTRUE
                case 0x89: Push(false); break;                                      // NEWFALSE
                case (byte)'K': Push((long)ReadByte()); break;                      // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;  // BININT
                case 0x8a: Push(ReadLong(ReadByte())); break;                       // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'X': Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // BINUNICODE
                case 0x8c: Push(ReadString(ReadByte())); break;                     // SHORT_BINUNICODE
                case (byte)'q': Memoize(ReadByte()); break;                         // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break; // LONG_BINPUT
                case 0x94: Memoize(_memo.Count); break;                             // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break;                    // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET
                case (byte)'c': Push(Global(ReadLine(), ReadLine())); break;        // GLOBAL
                case 0x93: { var name = Pop(); var module = Pop(); Push(Global(AsString(module), AsString(name))); break; } // STACK_GLOBAL
                case (byte)'Q': Push(PersistentLoad(Pop())); break;                 // BINPERSID
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; } // REDUCE
                case (byte)'b': Pop(); break;                                       // BUILD: state of an OrderedDict (its metadata) is dropped
                case (byte)'s': { var value = Pop(); var key = Pop(); AsDict(Peek()).Add(new(key, value)); break; } // SETITEM
                case (byte)'u': SetItems(); break;                                  // SETITEMS
                case (byte)'a': { var value = Pop(); AsList(Peek()).Add(value); break; } // APPEND
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; } // APPENDS
                default:
                    throw Fail($"pickle opcode 0x{opcode:x2} at byte {offset} is not allowed in a tensor state dict (refusing to run arbitrary pickles)");
            }
        }
    }

    private object Global(string module, string name)
    {
        bool allowed = (module, name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor_v2") => true,
            ("torch", _) when StorageTypes.Contains(name) => true,
            _ => false,
        };
        return allowed ? new PickleGlobal(module, name) : throw Fail($"refusing pickle global '{module}.{name}': only tensors and ordered dicts may be loaded");
    }

    private object? Reduce(object? callable, object? args)
    {
        if (callable is not PickleGlobal global || args is not object?[] arguments) throw Fail("REDUCE needs a global and an argument tuple");
        switch (global.Name)
        {
            case "OrderedDict" when arguments.Length == 0:
                return new List<KeyValuePair<object?, object?>>();
            case "_rebuild_tensor_v2" when arguments.Length >= 4:
                if (arguments[0] is not StorageReference storage) throw Fail("_rebuild_tensor_v2 without a storage");
                return new TensorReference(storage, AsLong(arguments[1]), AsLongs(arguments[2]), AsLongs(arguments[3]));
            default:
                throw Fail($"unsupported call to {global} with {arguments.Length} arguments");
        }
    }

    private StorageReference PersistentLoad(object? id)
    {
        if (id is not object?[] { Length: 5 } parts || parts[0] as string != "storage" || parts[1] is not PickleGlobal type)
            throw Fail("persistent id is not a ('storage', type, key, location, numel) tuple");
        long count = AsLong(parts[4]);
        if (count < 0) throw Fail($"storage with negative size {count}");
        return new StorageReference(type.Name, AsString(parts[2]), count);
    }

    private void SetItems()
    {
        var items = PopToMark();
        if (items.Count % 2 != 0) throw Fail("SETITEMS with an odd number of items");
        var dict = AsDict(Peek());
        for (int i = 0; i < items.Count; i += 2) dict.Add(new(items[i], items[i + 1]));
    }

    private static long ReadLongBytes(ReadOnlySpan<byte> bytes)
    {
        long value = 0;
        for (int i = bytes.Length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (bytes.Length < 8 && bytes.Length > 0 && (bytes[^1] & 0x80) != 0) value -= 1L << (8 * bytes.Length);
        return value;
    }

    private long ReadLong(int length) => length <= 8 ? ReadLongBytes(ReadBytes(length)) : throw Fail($"integer of {length} bytes is too large");

    private void Memoize(long index) => _memo[index] = Peek();

    private object? Recall(long index) => _memo.TryGetValue(index, out var value) ? value : throw Fail($"memo entry {index} read before it was written");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Fail("pickle stack underflow");

    private object? Pop()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count)) throw Fail("pickle stack underflow");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0) throw Fail("pickle MARK missing");
        int start = _marks.Pop();
        if (start > _stack.Count) throw Fail("pickle stack underflow");
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private byte ReadByte() => _position < _data.Length ? _data[_position++] : throw Fail("pickle ends before STOP");

    private ReadOnlySpan<byte> ReadBytes(long count)
    {
        if (count < 0 || count > _data.Length - _position) throw Fail("pickle ends inside a value");
        var span = _data.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }

    private string ReadString(long length)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(ReadBytes(length));
        }
        catch (DecoderFallbackException)
        {
            throw Fail("string is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0) throw Fail("pickle ends inside a GLOBAL name");
        var text = Encoding.ASCII.GetString(_data, _position, end - _position);
        _position = end + 1;
        return text;
    }

    private List<KeyValuePair<object?, object?>> AsDict(object? value) =>
        value as List<KeyValuePair<object?, object?>> ?? throw Fail("SETITEM on something that is not a dict");

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Fail("APPEND on something that is not a list");

    private string AsString(object? value) => value as string ?? throw Fail("expected a string");

    private long AsLong(object? value) => value is long l ? l : throw Fail("expected an integer");

    private long[] AsLongs(object? value) =>
        value is object?[] items ? items.Select(AsLong).ToArray() : throw Fail("expected a tuple of integers");

    private ModelFormatException Fail(string problem) => new(_source, problem);
}
