using EmbedRt.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace EmbedRt.Bench.EndToEnd;

/// <summary>
/// ONNX Runtime the way fastembed / TEI-ONNX drive it: inputs in order, cut into batches, each padded to its
/// longest input with attention_mask, full graph optimization, intra-op threads as given, one inter-op thread;
/// last_hidden_state mean-pooled over the mask and L2-normalized. With <c>sortByLength</c>, inputs are batched in
/// order of length as sentence-transformers' encode does (results returned in input order), so batches carry
/// little padding: the peer's strongest setup.
/// </summary>
internal sealed class OrtEngine : IEmbeddingEngine
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly int _batchSize;
    private readonly int _padId;

    private readonly bool _sortByLength;

    public OrtEngine(string name, string onnxPath, int threads, int batchSize, int padId, bool sortByLength, string? optimizedModelPath = null)
    {
        Name = name;
        _sortByLength = sortByLength;
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model not found: {onnxPath}", onnxPath);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        if (optimizedModelPath is not null) options.OptimizedModelFilePath = optimizedModelPath;
        _session = new InferenceSession(onnxPath, options);
        _batchSize = batchSize;
        _padId = padId;
    }

    public string Name { get; }

    public float[][] Embed(IReadOnlyList<TokenEncoding> inputs)
    {
        var result = new float[inputs.Count][];
        var order = Enumerable.Range(0, inputs.Count).ToArray();
        if (_sortByLength) order = [.. order.OrderByDescending(i => inputs[i].Ids.Length)];
        for (int start = 0; start < inputs.Count; start += _batchSize)
        {
            int count = Math.Min(_batchSize, inputs.Count - start);
            var batch = new TokenEncoding[count];
            for (int i = 0; i < count; i++) batch[i] = inputs[order[start + i]];
            RunPadded(batch, (index, sequence, hidden) =>
                result[order[start + index]] = Pooling.MeanNormalized(sequence, batch[index].Ids.Length, hidden));
        }
        return result;
    }

    /// <summary>Each input's unpadded last_hidden_state rows ([length * hidden]), all inputs in one padded batch.</summary>
    public float[][] LastHiddenStates(IReadOnlyList<TokenEncoding> batch)
    {
        var result = new float[batch.Count][];
        RunPadded(batch, (index, sequence, hidden) =>
            result[index] = sequence[..(batch[index].Ids.Length * hidden)].ToArray());
        return result;
    }

    private delegate void SequenceHandler(int index, ReadOnlySpan<float> paddedSequence, int hidden);

    private void RunPadded(IReadOnlyList<TokenEncoding> batch, SequenceHandler handle)
    {
        int maxLength = 0;
        foreach (var input in batch) maxLength = Math.Max(maxLength, input.Ids.Length);
        var ids = new long[batch.Count * maxLength];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, _padId);
        for (int b = 0; b < batch.Count; b++)
        {
            var input = batch[b];
            if (input.TypeIds.Length != input.Ids.Length)
                throw new ArgumentException($"input {b}: {input.Ids.Length} ids but {input.TypeIds.Length} type ids");
            for (int t = 0; t < input.Ids.Length; t++)
            {
                ids[b * maxLength + t] = input.Ids[t];
                mask[b * maxLength + t] = 1;
                types[b * maxLength + t] = input.TypeIds[t];
            }
        }
        long[] shape = [batch.Count, maxLength];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var outputs = _session.Run(_runOptions, InputNames, [idsValue, maskValue, typesValue], OutputNames);
        var output = outputs[0];
        var outShape = output.GetTensorTypeAndShape().Shape;
        if (outShape.Length != 3 || outShape[0] != batch.Count || outShape[1] != maxLength)
            throw new InvalidOperationException($"unexpected last_hidden_state shape [{string.Join(", ", outShape)}]");
        int hidden = checked((int)outShape[2]);
        var data = output.GetTensorDataAsSpan<float>();
        for (int b = 0; b < batch.Count; b++)
            handle(b, data.Slice(b * maxLength * hidden, maxLength * hidden), hidden);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
