using EmbedRt.Devices;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Model;
using EmbedRt.Rerank;
using EmbedRt.TestKit;
using EmbedRt.Tokenization;

namespace EmbedRt.Runtime.Tests.Hardening;

/// <summary>
/// Library calls a careless caller makes: a limit too small for a pair's special tokens, null inputs. Each is a
/// typed error at the call that made the mistake (at load for options), never a NullReferenceException, a null
/// text silently embedded as an empty one, or every later call failing.
/// </summary>
public class CarelessCallerTests
{
    [Fact]
    public void A_reranker_limit_below_the_pairs_special_tokens_is_refused_at_load()
    {
        string dir = Fixtures.Model("xlmr-tiny-reranker"); // <s> A </s></s> B </s>: 4 special tokens
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => CrossEncoder.Load(dir, new EmbeddingOptions { MaxLength = 3 }).Dispose());
        Assert.Contains("max length 3", error.Message);

        using var reranker = CrossEncoder.Load(dir, new EmbeddingOptions { MaxLength = 4 });
        Assert.True(float.IsFinite(reranker.Logits([("a question", "a long passage about many things")])[0]));
    }

    [Fact]
    public void Null_inputs_are_argument_null_errors_naming_the_input()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"));
        var text = Assert.Throws<ArgumentNullException>(() => model.Embed(["fine", null!]));
        Assert.Contains("input 1", text.Message);
        var encoding = Assert.Throws<ArgumentNullException>(() => model.Embed(new TokenEncoding[] { null! }));
        Assert.Contains("input 0", encoding.Message);
        Assert.Throws<ArgumentNullException>(() => model.Prepare([new TokenEncoding(null!, [])]));
    }

    /// <summary>A device whose kernels lack every shape.</summary>
    private sealed class ShapelessDevice : IEncoderDevice
    {
        public string Name => "shapeless";

        public IDeviceEncoder Load(EncoderConfig config, SafetensorsCheckpoint checkpoint, string weightPrefix) =>
            throw new NotSupportedException($"head size {config.HeadDim} is not supported");
    }

    [Fact]
    public void A_device_that_cannot_run_the_model_is_an_argument_error_naming_the_device_option()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() =>
            EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { Device = new ShapelessDevice() }).Dispose());
        Assert.Equal(nameof(EmbeddingOptions.Device), error.ParamName);
        Assert.Contains("shapeless", error.Message);
        Assert.Contains("head size 16", error.Message);
    }

    /// <summary>With DeviceFallback (the CLI's --device auto), a device that cannot run the model leaves it to the CPU.</summary>
    [Fact]
    public void With_fallback_a_model_the_device_cannot_run_runs_on_the_cpu()
    {
        string dir = Fixtures.Model("bert-tiny-uncased");
        using var cpu = EmbeddingModel.Load(dir);
        using var fallen = EmbeddingModel.Load(dir, new EmbeddingOptions { Device = new ShapelessDevice(), DeviceFallback = true });
        Assert.Equal(cpu.KernelName, fallen.KernelName);
        Assert.Equal(cpu.Embed(["hello world"]), fallen.Embed(["hello world"]));
        // a quantized precision, which only the CPU kernels compute, falls back too (the device is never asked)
        using var int8 = EmbeddingModel.Load(dir, new EmbeddingOptions { Device = new ShapelessDevice(), DeviceFallback = true, Precision = ComputePrecision.Int8 });
        Assert.Equal(cpu.KernelName, int8.KernelName);
        Assert.Throws<ArgumentException>(() => EmbeddingModel.Load(dir, new EmbeddingOptions { Device = new ShapelessDevice(), Precision = ComputePrecision.Int8 }).Dispose());
    }

    [Fact]
    public void A_callback_that_calls_back_into_the_model_is_refused_and_the_running_call_stays_right()
    {
        using var model = EmbeddingModel.Load(Fixtures.Model("bert-tiny-uncased"), new EmbeddingOptions { BatchSize = 2 });
        string Text(int i) => string.Join(' ', Enumerable.Range(0, 2 + i * 3).Select(k => "w" + (k * 7 + i)));
        var groups = Enumerable.Range(0, 4).Select(g => model.Prepare(Enumerable.Range(0, 3).Select(i => (Text(g * 3 + i), (string?)null)).ToArray())).ToArray();
        var expected = model.Embed(groups);

        // Re-entering the batch walk on this thread overwrote the running call's packed batch: its vectors came out wrong.
        var error = Assert.Throws<InvalidOperationException>(() => model.Embed(groups, (_, _) => model.Embed(["a nested call"])));
        Assert.Contains("callback", error.Message);
        var errors = new List<Exception>();
        var actual = model.Embed(groups, (_, _) =>
        {
            try { model.LastHiddenState(model.Tokenizer.Encode("nested")); }
            catch (InvalidOperationException e) { errors.Add(e); }
        });
        Assert.Equal(groups.Length, errors.Count);
        for (int g = 0; g < groups.Length; g++)
            for (int i = 0; i < 3; i++) Assert.Equal(expected[g][i], actual[g][i]);
        Assert.Equal(expected[0][0], model.Embed([groups[0]])[0][0]); // usable afterwards
    }
}
