using EmbedRt.Devices;
using ILGPU.Runtime;

namespace EmbedRt.Kernels.Cuda;

/// <summary>A task head's layers uploaded to the device (float32; head layers are small).</summary>
internal sealed class DeviceHead : IDeviceHead, IDisposable
{
    private DeviceHead(DeviceHeadSpec spec, DeviceLinear[] layers, int outFeatures)
    {
        Spec = spec;
        Layers = layers;
        OutFeatures = outFeatures;
    }

    public DeviceHeadSpec Spec { get; }
    public int OutFeatures { get; }
    public DeviceLinear[] Layers { get; }

    /// <summary>Whether the head pools each sequence into one row before its layers.</summary>
    public bool Pools => Spec.Input is HeadInput.FirstToken or HeadInput.MeanOfTokens;

    /// <summary>Checks the layer chain against the encoder's hidden size and uploads it.</summary>
    public static DeviceHead Upload(Accelerator accelerator, DeviceHeadSpec spec, int hidden)
    {
        if (spec.Normalize && spec.Input is not (HeadInput.FirstToken or HeadInput.MeanOfTokens))
            throw new ArgumentException($"a head over {spec.Input} rows cannot normalize: only pooled rows are L2-normalized on the device");
        int width = hidden;
        foreach (var layer in spec.Layers)
        {
            if (layer.InFeatures != width)
                throw new ArgumentException($"a head layer takes {layer.InFeatures} inputs where the previous step gives {width}");
            width = layer.OutFeatures;
        }
        var layers = new List<DeviceLinear>();
        try
        {
            foreach (var layer in spec.Layers)
                layers.Add(new DeviceLinear(accelerator, layer.Weight.Span, layer.Bias.Span, layer.OutFeatures, layer.InFeatures));
            return new DeviceHead(spec, [.. layers], width);
        }
        catch
        {
            foreach (var layer in layers) layer.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
    }
}
