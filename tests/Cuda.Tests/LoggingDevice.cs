using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Kernels.Cuda;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;

namespace EmbedRt.Cuda.Tests;

/// <summary>
/// Logs every pipeline call of the encoders it loads through a <see cref="GpuDevice"/>, numbering batches by their
/// Stage calls ("stage 0", "submit 0", "wait 0", ...); <see cref="BeforeWait"/>, if set, runs before each wait
/// with the batch number (to hold one model's pipeline, a batch in flight, while another runs).
/// </summary>
internal sealed class LoggingDevice(GpuDevice inner, bool overlap = true) : IEncoderDevice
{
    private readonly List<string> _log = [];
    private DeviceEncoder? _encoder;

    public string Name => inner.Name;
    public IReadOnlyList<string> Log => _log;
    public DeviceEncoder Loaded => _encoder!;
    public bool PageLocked => _encoder!.PageLocked;
    public string? LockFailure => _encoder!.LockFailure;
    public Action<int>? BeforeWait { get; set; }

    public IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix)
    {
        // The setting is read at load; the shared test device is set back for the next test.
        bool before = inner.OverlapBatches;
        inner.OverlapBatches = overlap;
        try
        {
            _encoder = (DeviceEncoder)inner.Load(config, checkpoint, weightPrefix);
        }
        finally
        {
            inner.OverlapBatches = before;
        }
        return new Encoder(this, _encoder);
    }

    public int Count(string call) => _log.Count(entry => entry.StartsWith(call + " "));

    public int IndexOf(string call, int batch)
    {
        int index = _log.IndexOf($"{call} {batch}");
        Assert.True(index >= 0, $"no '{call} {batch}' in {string.Join(", ", _log)}");
        return index;
    }

    private sealed class Encoder(LoggingDevice owner, IDeviceEncoder inner) : IDeviceEncoder
    {
        private readonly int[] _batchInSlot = new int[2];
        private int _staged;

        public string Name => inner.Name;
        public int Slots => inner.Slots;
        public IDeviceHead LoadHead(DeviceHeadSpec spec) => inner.LoadHead(spec);

        public void Stage(int slot, PackedBatch batch, ReadOnlySpan<int> positions, ReadOnlySpan<int> skips)
        {
            _batchInSlot[slot] = _staged++;
            owner._log.Add($"stage {_batchInSlot[slot]}");
            inner.Stage(slot, batch, positions, skips);
        }

        public void Submit(int slot, IReadOnlyList<IDeviceHead> heads)
        {
            owner._log.Add($"submit {_batchInSlot[slot]}");
            inner.Submit(slot, heads);
        }

        public void Wait(int slot)
        {
            owner.BeforeWait?.Invoke(_batchInSlot[slot]);
            owner._log.Add($"wait {_batchInSlot[slot]}");
            inner.Wait(slot);
        }

        public ReadOnlySpan<float> Output(int slot, int head) => inner.Output(slot, head);
        public void Dispose() => inner.Dispose();
    }
}
