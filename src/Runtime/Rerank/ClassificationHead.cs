using EmbedRt.Devices;
using EmbedRt.Heads;
using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;

namespace EmbedRt.Rerank;

/// <summary>
/// The sequence-classification head on the first token's hidden state:
/// XLMRobertaForSequenceClassification: out_proj(tanh(dense(h₀))); BertForSequenceClassification: classifier(tanh(pooler(h₀))).
/// </summary>
internal sealed class ClassificationHead
{
    private readonly DenseHead _hidden;
    private readonly DenseHead _output;

    private ClassificationHead(DenseHead hidden, DenseHead output)
    {
        _hidden = hidden;
        _output = output;
    }

    public int Labels => _output.OutFeatures;

    public static ClassificationHead Load(SafetensorsCheckpoint checkpoint, EncoderConfig config, string encoderPrefix)
    {
        int h = config.Hidden;
        DenseHead Dense(string name, int outFeatures) => new(
            checkpoint.ReadFloat(name + ".weight", outFeatures, h), checkpoint.ReadFloat(name + ".bias", outFeatures), h, checkpoint.SourcePath);
        DenseHead Output(string name) => new(
            checkpoint.ReadFloatAnyShape(name + ".weight"), checkpoint.ReadFloatAnyShape(name + ".bias"), h, checkpoint.SourcePath);

        if (checkpoint.Contains("classifier.out_proj.weight"))
            return new ClassificationHead(Dense("classifier.dense", h), Output("classifier.out_proj"));
        if (checkpoint.Contains("classifier.weight"))
            return new ClassificationHead(Dense(encoderPrefix + "pooler.dense", h), Output("classifier"));
        throw new ModelFormatException(checkpoint.SourcePath,
            "no sequence-classification head: expected 'classifier.out_proj.*' (XLM-R) or 'classifier.*' with a pooler (BERT)");
    }

    /// <summary>The head on a device: CLS pooling, then dense + tanh and the output projection; one row of logits per sequence.</summary>
    public DeviceHeadSpec DeviceSpec => new(HeadInput.FirstToken, [_hidden.DeviceLayer(Activation.Tanh), _output.DeviceLayer()]);

    /// <summary>The logits of one sequence from its first token's hidden state.</summary>
    public void Apply(ReadOnlySpan<float> firstToken, Span<float> logits)
    {
        Span<float> pooled = firstToken.Length <= 4096 ? stackalloc float[firstToken.Length] : new float[firstToken.Length];
        _hidden.Apply(firstToken, pooled, Activation.Tanh);
        _output.Apply(pooled, logits);
    }
}
