namespace EmbedRt.Onnx2Hf;

/// <summary>A float tensor stored in an ONNX graph's initializers.</summary>
internal sealed record OnnxInitializer(string Name, long[] Dims, int DataType, float[]? Floats, long[]? Int64s);

/// <summary>One ONNX graph node: operator and tensor names.</summary>
internal sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs);

/// <summary>
/// The parts of an ONNX ModelProto the converter needs: the graph's nodes and float initializers, and the raw
/// fields (to rewrite a graph while copying what it does not change). Field numbers from onnx.proto.
/// </summary>
internal sealed class OnnxGraph
{
    public const int ModelGraph = 7, ModelOpsetImport = 8;
    public const int GraphNode = 1, GraphInitializer = 5;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4;
    private const int TensorDims = 1, TensorDataType = 2, TensorFloatData = 4, TensorName = 8, TensorRawData = 9;
    public const int FloatType = 1, Int8Type = 3, Int64Type = 7;

    private OnnxGraph(List<ProtoField> modelFields, List<ProtoField> graphFields, List<OnnxNode> nodes, Dictionary<string, OnnxInitializer> initializers,
        Dictionary<int, object> byField)
    {
        ModelFields = modelFields;
        GraphFields = graphFields;
        Nodes = nodes;
        Initializers = initializers;
        _byField = byField;
    }

    private readonly Dictionary<int, object> _byField;

    /// <summary>The node or initializer parsed from graph field <paramref name="index"/>, or null for other fields.</summary>
    public object? ParsedField(int index) => _byField.GetValueOrDefault(index);

    public List<ProtoField> ModelFields { get; }
    public List<ProtoField> GraphFields { get; }
    public List<OnnxNode> Nodes { get; }
    public Dictionary<string, OnnxInitializer> Initializers { get; }

    public static OnnxGraph Parse(byte[] model)
    {
        var modelFields = Protobuf.Fields(model);
        var graph = modelFields.SingleOrDefault(f => f.Number == ModelGraph);
        if (graph.Number == 0) throw new InvalidDataException("no graph in the ONNX model");
        var graphFields = Protobuf.Fields(graph.Payload);
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxInitializer>();
        var byField = new Dictionary<int, object>();
        for (int i = 0; i < graphFields.Count; i++)
        {
            var field = graphFields[i];
            if (field.Number == GraphNode)
            {
                var node = ParseNode(field);
                nodes.Add(node);
                byField[i] = node;
            }
            else if (field.Number == GraphInitializer)
            {
                var tensor = ParseTensor(field.Payload);
                initializers[tensor.Name] = tensor;
                byField[i] = tensor;
            }
        }
        return new OnnxGraph(modelFields, graphFields, nodes, initializers, byField);
    }

    private static OnnxNode ParseNode(ProtoField node)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string name = "", op = "";
        foreach (var f in Protobuf.Fields(node.Payload))
        {
            switch (f.Number)
            {
                case NodeInput: inputs.Add(f.Text); break;
                case NodeOutput: outputs.Add(f.Text); break;
                case NodeName: name = f.Text; break;
                case NodeOpType: op = f.Text; break;
            }
        }
        return new OnnxNode(name, op, [.. inputs], [.. outputs]);
    }

    private static OnnxInitializer ParseTensor(ReadOnlyMemory<byte> tensor)
    {
        var dims = new List<long>();
        int dataType = 0;
        string name = "";
        float[]? floats = null;
        long[]? int64s = null;
        List<float>? floatData = null;
        foreach (var f in Protobuf.Fields(tensor))
        {
            switch (f.Number)
            {
                case TensorDims: dims.AddRange(Protobuf.Int64s(f)); break;
                case TensorDataType: dataType = (int)f.Varint; break;
                case TensorName: name = f.Text; break;
                case TensorRawData:
                    floats = Protobuf.Floats(f.Payload.Span);
                    int64s = Protobuf.Int64sLittleEndian(f.Payload.Span);
                    break;
                case TensorFloatData:
                    floatData ??= [];
                    floatData.AddRange(Protobuf.Floats(f.Payload.Span));
                    break;
            }
        }
        if (dataType != FloatType) floats = null;
        else floats ??= floatData?.ToArray();
        return new OnnxInitializer(name, [.. dims], dataType, floats, dataType == Int64Type ? int64s : null);
    }

    /// <summary>The values of an int64 initializer stored as raw data, or null.</summary>
    public long[]? RawInt64(string name) => Initializers.TryGetValue(name, out var init) ? init.Int64s : null;

    /// <summary>Encodes a TensorProto with raw little-endian data.</summary>
    public static byte[] Tensor(string name, long[] dims, int dataType, ReadOnlySpan<byte> raw)
    {
        var copy = raw.ToArray();
        return Protobuf.Message(s =>
        {
            foreach (long d in dims) Protobuf.WriteVarintField(s, TensorDims, d);
            Protobuf.WriteVarintField(s, TensorDataType, dataType);
            Protobuf.WriteStringField(s, TensorName, name);
            Protobuf.WriteBytesField(s, TensorRawData, copy);
        });
    }
}
