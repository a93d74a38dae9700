namespace EmbedRt.Onnx2Hf;

/// <summary>
/// Writes the dynamically quantized int8 form of a float ONNX model, as ONNX Runtime runs it after its own
/// quantize_dynamic (not available here: it is Python) and graph fusions: every MatMul whose second input is a
/// constant 2-D weight becomes com.microsoft DynamicQuantizeMatMul, which quantizes its activation input to uint8
/// with a zero point per call and multiplies by int8 weights (per output column, symmetric) in int32. Everything
/// else (the Add with the bias, attention's MatMuls of two activations, LayerNorm, GELU) is copied unchanged.
/// </summary>
internal static class DynamicQuantizer
{
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeDomain = 7;
    private const int OpsetDomain = 1, OpsetVersion = 2;
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Writes the quantized model to <paramref name="outputPath"/>; returns how many MatMuls were replaced.</summary>
    public static int Write(byte[] model, string outputPath)
    {
        var graph = OnnxGraph.Parse(model);
        var weights = graph.Nodes
            .Where(n => n.OpType == "MatMul" && n.Inputs.Length == 2 && graph.Initializers.TryGetValue(n.Inputs[1], out var w)
                && w.Floats is not null && w.Dims.Length == 2)
            .Select(n => n.Inputs[1])
            .ToHashSet();
        int replaced = 0;
        var graphBytes = Protobuf.Message(s =>
        {
            for (int i = 0; i < graph.GraphFields.Count; i++)
            {
                switch (graph.ParsedField(i))
                {
                    case OnnxInitializer init when weights.Contains(init.Name):
                        continue;
                    case OnnxNode node when node.OpType == "MatMul" && weights.Contains(node.Inputs[1]):
                        Protobuf.WriteBytesField(s, OnnxGraph.GraphNode, QuantizedNode(node));
                        replaced++;
                        continue;
                    default:
                        s.Write(graph.GraphFields[i].Raw.Span);
                        break;
                }
            }
            foreach (string name in weights)
            {
                var (quantized, scales) = Quantize(graph.Initializers[name]);
                var dims = graph.Initializers[name].Dims;
                Protobuf.WriteBytesField(s, OnnxGraph.GraphInitializer,
                    OnnxGraph.Tensor(name + "_quantized", dims, OnnxGraph.Int8Type, Array.ConvertAll(quantized, v => (byte)v)));
                var scaleBytes = new byte[4 * scales.Length];
                Buffer.BlockCopy(scales, 0, scaleBytes, 0, scaleBytes.Length);
                Protobuf.WriteBytesField(s, OnnxGraph.GraphInitializer, OnnxGraph.Tensor(name + "_scale", [dims[1]], OnnxGraph.FloatType, scaleBytes));
            }
        });
        using var output = File.Create(outputPath);
        foreach (var field in graph.ModelFields)
        {
            if (field.Number == OnnxGraph.ModelGraph) Protobuf.WriteBytesField(output, OnnxGraph.ModelGraph, graphBytes);
            else output.Write(field.Raw.Span);
        }
        Protobuf.WriteBytesField(output, OnnxGraph.ModelOpsetImport, Protobuf.Message(s =>
        {
            Protobuf.WriteStringField(s, OpsetDomain, MicrosoftDomain);
            Protobuf.WriteVarintField(s, OpsetVersion, 1);
        }));
        return replaced;
    }

    /// <summary>The replacement node, written where the MatMul was (ONNX nodes are in topological order).</summary>
    private static byte[] QuantizedNode(OnnxNode node) => Protobuf.Message(s =>
    {
        Protobuf.WriteStringField(s, NodeInput, node.Inputs[0]);
        Protobuf.WriteStringField(s, NodeInput, node.Inputs[1] + "_quantized");
        Protobuf.WriteStringField(s, NodeInput, node.Inputs[1] + "_scale");
        foreach (string output in node.Outputs) Protobuf.WriteStringField(s, NodeOutput, output);
        Protobuf.WriteStringField(s, NodeName, node.Name + "_quant");
        Protobuf.WriteStringField(s, NodeOpType, "DynamicQuantizeMatMul");
        Protobuf.WriteStringField(s, NodeDomain, MicrosoftDomain);
    });

    /// <summary>Per output column (the second dimension of a MatMul weight): scale = max|w| / 127, q = round(w / scale).</summary>
    private static (sbyte[] Quantized, float[] Scales) Quantize(OnnxInitializer weight)
    {
        int rows = (int)weight.Dims[0], cols = (int)weight.Dims[1];
        var w = weight.Floats!;
        var scales = new float[cols];
        var quantized = new sbyte[w.Length];
        for (int j = 0; j < cols; j++)
        {
            float max = 0;
            for (int i = 0; i < rows; i++) max = Math.Max(max, Math.Abs(w[i * cols + j]));
            scales[j] = max / 127;
            float inverse = max > 0 ? 127 / max : 0;
            for (int i = 0; i < rows; i++) quantized[i * cols + j] = (sbyte)Math.Clamp(MathF.Round(w[i * cols + j] * inverse), -127, 127);
        }
        return (quantized, scales);
    }
}
