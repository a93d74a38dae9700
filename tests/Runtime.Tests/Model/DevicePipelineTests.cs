using EmbedRt.Batching;
using EmbedRt.Devices;
using EmbedRt.Loader;
using EmbedRt.Loader.Safetensors;
using EmbedRt.M3;
using EmbedRt.Model;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Model;

/// <summary>
/// The core's side of a device (EncoderRunner, DevicePipeline, the heads' row bookkeeping) against a fake device
/// whose every output row carries the id of the token it came from: each input must get exactly its own rows,
/// whichever batch and slot it ran in; batch n + 1 must be staged before batch n is waited for; a non-finite
/// output is a typed error naming the input, with no batch left running. No ILGPU needed.
/// </summary>
public class DevicePipelineTests
{
    private static TokenEncoding[] MixedInputs(int count, int vocabulary)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(i =>
        {
            var ids = Enumerable.Range(0, 1 + (i * 7 + 2) % 9).Select(_ => random.Next(5, vocabulary - 10)).ToArray();
            return new TokenEncoding(ids, new int[ids.Length]);
        }).ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    public void EveryInputGetsItsOwnRowsWhicheverBatchItRanIn(int slots)
    {
        var device = new FakeDevice(slots);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"),
            new EmbeddingOptions { Device = device, Pooling = PoolingMode.Mean, Normalize = false, BatchSize = 3 });
        var inputs = MixedInputs(11, model.Tokenizer.VocabularySize);

        var pooled = model.Embed(inputs); // MeanOfTokens head: each value is the mean of the input's ids
        for (int i = 0; i < inputs.Length; i++)
            Assert.All(pooled[i], value => Assert.Equal(inputs[i].Ids.Average(), value, 1e-3));
        var hidden = model.LastHiddenState(inputs[4]); // AllTokens head: row t holds id t
        Assert.Equal(inputs[4].Ids.SelectMany(id => Enumerable.Repeat((float)id, model.Dimension)), hidden);

        int batches = device.Log.Count(entry => entry.StartsWith("stage ")) - 1; // the LastHiddenState batch is the last
        Assert.Equal(4, batches); // 11 inputs in batches of 3
        for (int n = 0; n + 1 < batches; n++)
        {
            int stageNext = device.Log.IndexOf($"stage {n + 1}"), waitThis = device.Log.IndexOf($"wait {n}");
            Assert.True(slots == 2 ? stageNext < waitThis : stageNext > waitThis, string.Join(", ", device.Log));
        }
    }

    [Fact]
    public void ChunksTokenizedAheadFlowThroughOnePipelineWithoutADrain()
    {
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"),
            new EmbeddingOptions { Device = device, Pooling = PoolingMode.Mean, Normalize = false, BatchSize = 2 });
        // 19 texts in chunks of 4 batches of 2: 8 + 8 + 3 texts, 4 + 4 + 2 batches.
        string[] words = ["hello", "world", "embedding", "models", "run", "on", "devices", "quickly", "today"];
        var texts = Enumerable.Range(0, 19).Select(i => string.Join(' ', Enumerable.Range(0, 1 + (i * 5) % 7).Select(w => words[(i + w) % words.Length]))).ToArray();

        var vectors = model.Embed(texts);
        Assert.Equal(10, StagedBatches(device));
        AssertEveryBatchStagedBeforeThePreviousIsWaitedFor(device);
        // In order, each its own: the fake device's mean is the mean of the text's ids; the same as one unchunked pass.
        var prepared = model.Prepare(texts.Select(text => (text, (string?)null)).ToArray());
        var onePass = model.Embed([prepared])[0];
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.All(vectors[i], value => Assert.Equal(prepared.Inputs[i].Encoding.Ids.Average(), value, 1e-3));
            Assert.Equal(onePass[i], vectors[i]);
        }

        // BGE-M3's three heads over 9 texts: chunks of 8 + 1, batches 4 + 1, no drain between them either.
        var m3Device = new FakeDevice(2);
        using var m3 = BgeM3Model.Load(Fixtures.Model("xlmr-tiny-m3"), new EmbeddingOptions { Device = m3Device, BatchSize = 2 });
        var results = m3.Encode(texts[..9]);
        Assert.Equal(5, StagedBatches(m3Device));
        AssertEveryBatchStagedBeforeThePreviousIsWaitedFor(m3Device);
        for (int i = 0; i < 9; i++)
            Assert.Equal(m3.Tokenizer.Encode(texts[i], maxLength: m3.MaxLength).Ids.Length - 1, results[i].ColBert.Length);
    }

    [Fact]
    public void ChunksTokenizedAheadWithLongInputsGiveTheOnePassVectors()
    {
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions
        {
            Device = device, Pooling = PoolingMode.Mean, Normalize = true, BatchSize = 2, MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean,
        });
        // 10 texts (chunks of 8 + 2), two of them long: split into windows, run after the flowing chunks.
        var texts = Enumerable.Range(0, 10).Select(i => i is 3 or 9 ? string.Join(' ', Enumerable.Repeat("hello world again and again", 5)) : $"text {i}").ToArray();
        var vectors = model.Embed(texts);
        var onePass = model.Embed([model.Prepare(texts.Select(text => (text, (string?)null)).ToArray())])[0];
        for (int i = 0; i < texts.Length; i++) Assert.Equal(onePass[i], vectors[i]);
        Assert.All(vectors, vector => Assert.Equal(1, Math.Sqrt(vector.Sum(v => (double)v * v)), 1e-5));
    }

    [Fact]
    public void AnInputTooLongInALaterChunkIsNamedByItsIndexInTheWholeList()
    {
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions
        {
            Device = device, BatchSize = 2, MaxLength = 8, LongInputs = LongInputPolicy.Error,
        });
        var texts = Enumerable.Range(0, 12).Select(i => i == 10 ? string.Join(' ', Enumerable.Repeat("hello world", 8)) : $"text {i}").ToArray();
        var error = Assert.Throws<InputTooLongException>(() => model.Embed(texts)); // chunks of 8 + 4: the third input of the second
        Assert.Equal(10, error.InputIndex);
        Assert.Contains("input 10 ", error.Message);
        using var m3 = BgeM3Model.Load(Fixtures.Model("xlmr-tiny-m3"), new EmbeddingOptions
        {
            Device = new FakeDevice(2), BatchSize = 2, MaxLength = 8, LongInputs = LongInputPolicy.Error,
        });
        Assert.Equal(10, Assert.Throws<InputTooLongException>(() => m3.Encode(texts)).InputIndex);
    }

    [Fact]
    public void WorksFlowingThroughOneRunKeepTheirOwnInputsAcrossAnEmptyOne()
    {
        var device = new FakeDevice(2);
        using var loaded = LoadedEncoder.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { Device = device });
        var runner = new EncoderRunner(loaded.Encoder, batchSize: 2, "bert-tiny-uncased");
        var cls = runner.LoadHead(new DeviceHeadSpec(HeadInput.FirstToken, []));
        // The first work's last batch still runs when the third (no longer, so the buffers do not grow) is sorted: not into the buffers it reads.
        TokenEncoding[] Inputs(int first, params int[] lengths) =>
            lengths.Select((length, i) => new TokenEncoding([first + i, .. Enumerable.Repeat(7, length - 1)], new int[length])).ToArray();
        var works = new[] { Inputs(100, 3, 1, 5, 2), Inputs(200), Inputs(300, 2, 1, 6, 4) };
        var seen = new List<(int Work, int Index, float First)>();
        runner.RunHeads(works.Select((inputs, w) => new DeviceWork(inputs, [cls], (index, _, outputs) => seen.Add((w, index, outputs[0][0])))));
        Assert.Equal(8, seen.Count);
        Assert.All(seen, entry => Assert.Equal(100 * (entry.Work + 1) + entry.Index, entry.First));
        Assert.Equal([0, 0, 0, 0, 2, 2, 2, 2], seen.Select(entry => entry.Work)); // works in order
        AssertEveryBatchStagedBeforeThePreviousIsWaitedFor(device);
    }

    private static int StagedBatches(FakeDevice device) => device.Log.Count(entry => entry.StartsWith("stage "));

    private static void AssertEveryBatchStagedBeforeThePreviousIsWaitedFor(FakeDevice device)
    {
        for (int n = 0; n + 1 < StagedBatches(device); n++)
            Assert.True(device.Log.IndexOf($"stage {n + 1}") < device.Log.IndexOf($"wait {n}"), $"batch {n}: {string.Join(", ", device.Log)}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LongInputsSplitIntoWindowsArePooledOnTheDeviceAndAveragedHere(bool normalize)
    {
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions
        {
            Device = device, Pooling = PoolingMode.Mean, Normalize = normalize, BatchSize = 2, MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean,
        });
        string[] texts = ["short text", string.Join(' ', Enumerable.Repeat("hello world again and again", 6)), "another one"];
        var prepared = model.Prepare(texts.Select(text => (text, (string?)null)).ToArray());
        var windowsOf = Enumerable.Range(0, texts.Length).Select(owner =>
            prepared.Inputs.Where(input => input.Owner == owner).Select(input => input.Encoding)
                .Concat(prepared.Chunked.Where(input => input.Owner == owner).SelectMany(input => input.Encode())).ToArray()).ToArray();
        Assert.True(windowsOf[1].Length > 2, "the long text must span several windows");

        float[][]? announced = null;
        var vectors = model.Embed([prepared], (group, groupVectors) => announced = groupVectors.Select(v => v.ToArray()).ToArray())[0];
        Assert.Equal(vectors, announced); // announced when final (averaged, normalized), before the call returned
        for (int owner = 0; owner < texts.Length; owner++)
        {
            // Each window comes back as the mean of its ids; the owner's vector is the mean of its windows' means.
            double expected = windowsOf[owner].Average(window => window.Ids.Average());
            if (normalize) expected = 1 / Math.Sqrt(model.Dimension); // all components alike, then L2-normalized
            Assert.All(vectors[owner], value => Assert.Equal(expected, value, 1e-3));
        }
        Assert.DoesNotContain(device.Log, entry => entry.Contains(nameof(HeadInput.AllTokens))); // no hidden state crossed
    }

    /// <summary>
    /// Long inputs among texts tokenized ahead: their windows (more than one group of 4 batches each) join the one
    /// pipeline lazily, without a drain, and each owner gets the mean of its own windows.
    /// </summary>
    [Fact]
    public void WindowsOfLongInputsFlowThroughTheTokenizeAheadPipeline()
    {
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions
        {
            Device = device, Pooling = PoolingMode.Mean, Normalize = false, BatchSize = 2, MaxLength = 8, LongInputs = LongInputPolicy.ChunkMean,
        });
        string longText = string.Join(' ', Enumerable.Repeat("hello world again and again", 12));
        var texts = Enumerable.Range(0, 19).Select(i => i % 6 == 1 ? $"{longText} {i}" : $"text number {i}").ToArray();
        var vectors = model.Embed(texts); // 19 texts > 4 batches of 2: tokenized ahead in chunks
        AssertEveryBatchStagedBeforeThePreviousIsWaitedFor(device);

        var prepared = model.Prepare(texts.Select(text => (text, (string?)null)).ToArray());
        Assert.All(prepared.Chunked, input => Assert.True(input.Windows > 8, "each long text must need more than one group of windows"));
        Assert.Equal([1, 7, 13], prepared.Chunked.Select(input => input.Owner));
        for (int owner = 0; owner < texts.Length; owner++)
        {
            var windows = prepared.Inputs.Where(input => input.Owner == owner).Select(input => input.Encoding)
                .Concat(prepared.Chunked.Where(input => input.Owner == owner).SelectMany(input => input.Encode())).ToArray();
            double expected = windows.Average(window => window.Ids.Average());
            Assert.All(vectors[owner], value => Assert.Equal(expected, value, 1e-3));
        }
        Assert.Equal(model.Embed([prepared])[0], vectors);
    }

    [Fact]
    public void AMeanThatLeavesThePromptOutSkipsItOnTheDevice()
    {
        var dir = Fixtures.CopyModel("bert-tiny-uncased");
        var poolingPath = Path.Combine(dir, "1_Pooling", "config.json");
        File.WriteAllText(poolingPath, File.ReadAllText(poolingPath).Replace("\"include_prompt\": true", "\"include_prompt\": false"));
        var device = new FakeDevice(2);
        using var model = EmbeddingModel.Load(dir, new EmbeddingOptions { Device = device, Pooling = PoolingMode.Mean, Normalize = false, BatchSize = 2 });
        string[] texts = ["hello world", "a", "three more words"];
        var prepared = model.Prepare(texts.Select(text => (text, (string?)null)).ToArray(), new PrepareOptions { Prompt = "query: " });
        Assert.All(prepared.Inputs, input => Assert.True(input.PromptTokens > 0));

        var vectors = model.Embed([prepared])[0];
        foreach (var input in prepared.Inputs)
        {
            int skip = Math.Min(input.PromptTokens, input.Encoding.Ids.Length - 1);
            Assert.All(vectors[input.Owner], value => Assert.Equal(input.Encoding.Ids.Skip(skip).Average(), value, 1e-3));
        }
        Assert.DoesNotContain(device.Log, entry => entry.Contains(nameof(HeadInput.AllTokens)));
    }

    [Fact]
    public void BgeM3SparseAndColBertRowsBelongToTheirInputs()
    {
        var device = new FakeDevice(2);
        using var m3 = BgeM3Model.Load(Fixtures.Model("xlmr-tiny-m3"), new EmbeddingOptions { Device = device, BatchSize = 2 });
        var inputs = MixedInputs(7, m3.Tokenizer.VocabularySize);
        var results = m3.Encode(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            // Sparse: AllTokens with one output, the token's id, so the weight of each id is the id itself.
            Assert.Equal(inputs[i].Ids.Distinct().Order(), results[i].Sparse.Keys.Order());
            Assert.All(results[i].Sparse, pair => Assert.Equal(pair.Key, pair.Value));
            // ColBERT: one vector per token after the first.
            Assert.Equal(inputs[i].Ids.Length - 1, results[i].ColBert.Length);
        }
    }

    [Fact]
    public void ANonFiniteOutputNamesTheInputAndLeavesNothingRunning()
    {
        var device = new FakeDevice(2) { PoisonId = 4 };
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"),
            new EmbeddingOptions { Device = device, Pooling = PoolingMode.Cls, Normalize = false, BatchSize = 2 });
        var inputs = MixedInputs(6, model.Tokenizer.VocabularySize);
        inputs[3] = new TokenEncoding([4, 1001, 1002], [0, 0, 0]); // the other inputs' ids are ≥ 5
        var error = Assert.Throws<ModelFormatException>(() => model.Embed(inputs));
        Assert.Contains("input 3", error.Message);
        Assert.Contains("NaN", error.Message);
        Assert.False(device.InFlight, string.Join(", ", device.Log));
    }

    /// <summary>
    /// A device whose head outputs are made of token ids: AllTokens / TokensAfterFirst row t = id t, FirstToken = the
    /// first id, MeanOfTokens = the mean id after the skipped ones, every column alike; a head with layers has its last layer's width.
    /// </summary>
    private sealed class FakeDevice(int slots) : IEncoderDevice
    {
        public List<string> Log { get; } = [];
        public int? PoisonId { get; init; }
        public bool InFlight { get; private set; }
        public string Name => "fake";
        public int Slots => slots;

        public IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix) => new Encoder(this, config.Hidden);

        private sealed record Head(DeviceHeadSpec Spec, int OutFeatures) : IDeviceHead;

        private sealed class Encoder(FakeDevice device, int hidden) : IDeviceEncoder
        {
            private readonly (int[] Ids, int[] Offsets, int[] Skips)[] _staged = new (int[], int[], int[])[2];
            private readonly List<float[]>[] _outputs = [[], []];
            private readonly int[] _batchInSlot = new int[2];
            private int _batches, _inFlightSlot = -1;

            public string Name => "fake";
            public int Slots => device.Slots;

            public IDeviceHead LoadHead(DeviceHeadSpec spec) => new Head(spec, spec.Layers.Count > 0 ? spec.Layers[^1].OutFeatures : hidden);

            public void Stage(int slot, PackedBatch batch, ReadOnlySpan<int> positions, ReadOnlySpan<int> skips)
            {
                _batchInSlot[slot] = _batches++;
                device.Log.Add($"stage {_batchInSlot[slot]}");
                _staged[slot] = (batch.Ids.ToArray(), batch.Offsets.ToArray(), skips.IsEmpty ? new int[batch.Count] : skips.ToArray());
            }

            public void Submit(int slot, IReadOnlyList<IDeviceHead> heads)
            {
                Assert.False(device.InFlight, "a batch was submitted while another was in flight");
                device.Log.Add($"submit {_batchInSlot[slot]} {string.Join('+', heads.Select(head => head.Spec.Input))}");
                device.InFlight = true;
                _inFlightSlot = slot;
                var (ids, offsets, skips) = _staged[slot];
                _outputs[slot] = heads.Select(head => Rows(head.Spec.Input, ids, offsets, skips)
                    .SelectMany(value => Enumerable.Repeat(value, head.OutFeatures)).ToArray()).ToList();
            }

            private IEnumerable<float> Rows(HeadInput input, int[] ids, int[] offsets, int[] skips) => Enumerable.Range(0, offsets.Length - 1).SelectMany(s =>
            {
                var sequence = ids[offsets[s]..offsets[s + 1]];
                float Value(int id) => id == device.PoisonId ? float.NaN : id;
                return input switch
                {
                    HeadInput.AllTokens => sequence.Select(Value),
                    HeadInput.TokensAfterFirst => sequence.Skip(1).Select(Value),
                    HeadInput.FirstToken => [Value(sequence[0])],
                    _ => [(float)sequence.Skip(skips[s]).Average()],
                };
            });

            public void Wait(int slot)
            {
                device.Log.Add($"wait {_batchInSlot[slot]}");
                if (slot == _inFlightSlot) (device.InFlight, _inFlightSlot) = (false, -1); // waiting for a finished batch changes nothing
            }

            public ReadOnlySpan<float> Output(int slot, int head) => _outputs[slot][head];

            public void Dispose() { }
        }
    }
}
