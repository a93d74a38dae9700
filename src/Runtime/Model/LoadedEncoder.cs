using EmbedRt.Kernels;
using EmbedRt.Loader;
using EmbedRt.Loader.Config;
using EmbedRt.Loader.Safetensors;
using EmbedRt.Tokenization;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Model;

/// <summary>
/// What every model type built on the encoder loads from a folder: configs, tokenizer, memory-mapped checkpoint
/// and the encoder with its kernels. Owns the checkpoint and kernels, released by the last call out after Dispose.
/// </summary>
internal sealed class LoadedEncoder : IDisposable
{
    private readonly WeightLeases _leases;

    private LoadedEncoder(string directory, ModelConfig modelConfig, SentenceTransformersConfig? sentenceTransformers,
        TokenizerConfig tokenizerConfig, ITextTokenizer tokenizer, SafetensorsCheckpoint checkpoint, Encoder encoder, IKernels kernels)
    {
        Directory = directory;
        ModelConfig = modelConfig;
        SentenceTransformers = sentenceTransformers;
        TokenizerConfig = tokenizerConfig;
        Tokenizer = tokenizer;
        Checkpoint = checkpoint;
        Encoder = encoder;
        Kernels = kernels;
        _leases = new WeightLeases(ReleaseResources);
    }

    public string Directory { get; }
    public ModelConfig ModelConfig { get; }
    public SentenceTransformersConfig? SentenceTransformers { get; }
    public TokenizerConfig TokenizerConfig { get; }
    public ITextTokenizer Tokenizer { get; }
    public SafetensorsCheckpoint Checkpoint { get; }
    public Encoder Encoder { get; }
    public IKernels Kernels { get; }

    /// <summary>Name of the device running the forward pass, or of the CPU kernel set when none does.</summary>
    public string KernelName => Encoder.DeviceName ?? Kernels.Name;
    public EncoderConfig Config => Encoder.Config;

    public static LoadedEncoder Load(string directory, EmbeddingOptions options)
    {
        int? threads = options.Threads;
        if (!System.IO.Directory.Exists(directory))
            throw new ModelFormatException(directory, "model folder not found");
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be at least 1, got {threads}");
        if (!Enum.IsDefined(options.Precision))
            throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "unknown compute precision");

        var modelConfig = ModelConfig.Load(Path.Combine(directory, ModelConfig.FileName));
        var sentenceTransformers = SentenceTransformersConfig.Load(directory);
        var tokenizerConfig = TokenizerConfig.Load(directory);
        var tokenizer = TextTokenizer.Load(directory);
        var checkpoint = SafetensorsCheckpoint.OpenDirectory(directory);
        var kernels = KernelSelection.Create(options.Kernels, threads);
        try
        {
            var config = EncoderConfig.From(modelConfig);
            if (tokenizer is PipelineTokenizer pipeline)
                pipeline.Ids.CheckFits(config.VocabSize, config.TypeVocabSize, Path.Combine(directory, ModelConfig.FileName));
            var encoder = new Encoder(config, checkpoint, kernels, options.Weights, options.Precision, options.Device, options.DeviceFallback);
            return new LoadedEncoder(directory, modelConfig, sentenceTransformers, tokenizerConfig, tokenizer, checkpoint, encoder, kernels);
        }
        catch
        {
            (kernels as IDisposable)?.Dispose();
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>The input length limit: the requested one (checked against the model), else the folder's, capped by the position table.</summary>
    /// <exception cref="ModelFormatException">The position table cannot hold even the special tokens of one input.</exception>
    public int ResolveMaxLength(int? requested, bool pairs = false)
    {
        // An input needs room for its special tokens (and two at least, as every window and truncation assumes);
        // a model that only ever reads pairs (a cross-encoder) needs room for the pair's.
        int floor = Math.Max(2, Tokenizer.SpecialTokenCount(pairs));
        if (Config.MaxTokens < floor)
            throw new ModelFormatException(Path.Combine(Directory, ModelConfig.FileName),
                $"max_position_embeddings {Config.MaxPositionEmbeddings} leaves {Config.MaxTokens} token position(s); an input needs at least {floor}");
        if (requested is { } value)
        {
            if (value < floor || value > Config.MaxTokens)
                throw new ArgumentOutOfRangeException(nameof(EmbeddingOptions.MaxLength), value, $"max length {value} is outside {floor}..{Config.MaxTokens} for this model");
            return value;
        }
        long limit = SentenceTransformers?.MaxSeqLength ?? TokenizerConfig.ModelMaxLength ?? Config.MaxTokens;
        return (int)Math.Clamp(limit, floor, Config.MaxTokens);
    }

    /// <summary>Hold for every call that runs the encoder or reads weights: Dispose waits for it to be returned before unmapping.</summary>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public WeightLeases.Lease Acquire(string ownerName) => _leases.Acquire(ownerName);

    /// <summary>Refuses new calls; the memory map and kernel threads go once no call is running.</summary>
    public void Dispose() => _leases.Dispose();

    private void ReleaseResources()
    {
        Encoder.Dispose();
        (Kernels as IDisposable)?.Dispose();
        Checkpoint.Dispose();
    }
}
