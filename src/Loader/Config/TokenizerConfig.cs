using System.Text.Json;
using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Config;

/// <summary>
/// tokenizer_config.json merged with special_tokens_map.json. As in Hugging Face transformers, a special token named in
/// special_tokens_map.json overrides the one in tokenizer_config.json.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary>Values of model_max_length at or above this are transformers' "no limit" sentinel (int(1e30)), read as absent.</summary>
    public const double NoLimitThreshold = 1e15;

    private static readonly string[] SpecialTokenFields =
        ["cls_token", "sep_token", "pad_token", "unk_token", "mask_token", "bos_token", "eos_token"];

    /// <summary>tokenizer_class, e.g. "BertTokenizer", "XLMRobertaTokenizer".</summary>
    public string? TokenizerClass { get; init; }

    /// <summary>do_lower_case.</summary>
    public bool? DoLowerCase { get; init; }

    /// <summary>strip_accents (null: follow do_lower_case, as BERT's basic tokenizer does).</summary>
    public bool? StripAccents { get; init; }

    /// <summary>tokenize_chinese_chars.</summary>
    public bool? TokenizeChineseChars { get; init; }

    /// <summary>model_max_length; null when absent or the "no limit" sentinel (see <see cref="NoLimitThreshold"/>).</summary>
    public long? ModelMaxLength { get; init; }

    /// <summary>The classifier / sequence-start token, e.g. "[CLS]" or "&lt;s&gt;".</summary>
    public string? ClsToken { get; init; }

    /// <summary>The separator token, e.g. "[SEP]" or "&lt;/s&gt;".</summary>
    public string? SepToken { get; init; }

    /// <summary>The padding token.</summary>
    public string? PadToken { get; init; }

    /// <summary>The unknown-word token.</summary>
    public string? UnkToken { get; init; }

    /// <summary>The mask token.</summary>
    public string? MaskToken { get; init; }

    /// <summary>The beginning-of-sequence token.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token.</summary>
    public string? EosToken { get; init; }

    /// <summary>
    /// Reads tokenizer_config.json and special_tokens_map.json in a folder (either may be absent); throws
    /// <see cref="ModelFormatException"/> naming the file and field when one is malformed. Token values may be a string
    /// or an object with "content".
    /// </summary>
    public static TokenizerConfig Load(string directory)
    {
        var tokens = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? tokenizerClass = null;
        bool? doLowerCase = null, stripAccents = null, tokenizeChineseChars = null;
        long? modelMaxLength = null;

        var configPath = Path.Combine(directory, "tokenizer_config.json");
        using (var document = JsonConfigFile.TryParse(configPath))
        {
            if (document is not null)
            {
                var fields = JsonConfigFile.RootObject(configPath, document);
                tokenizerClass = fields.OptionalString("tokenizer_class");
                doLowerCase = fields.OptionalBool("do_lower_case");
                stripAccents = fields.OptionalBool("strip_accents");
                tokenizeChineseChars = fields.OptionalBool("tokenize_chinese_chars");
                modelMaxLength = ReadModelMaxLength(fields);
                ReadSpecialTokens(fields, tokens);
            }
        }

        var mapPath = Path.Combine(directory, "special_tokens_map.json");
        using (var document = JsonConfigFile.TryParse(mapPath))
        {
            if (document is not null) ReadSpecialTokens(JsonConfigFile.RootObject(mapPath, document), tokens);
        }

        return new TokenizerConfig
        {
            TokenizerClass = tokenizerClass,
            DoLowerCase = doLowerCase,
            StripAccents = stripAccents,
            TokenizeChineseChars = tokenizeChineseChars,
            ModelMaxLength = modelMaxLength,
            ClsToken = tokens.GetValueOrDefault("cls_token"),
            SepToken = tokens.GetValueOrDefault("sep_token"),
            PadToken = tokens.GetValueOrDefault("pad_token"),
            UnkToken = tokens.GetValueOrDefault("unk_token"),
            MaskToken = tokens.GetValueOrDefault("mask_token"),
            BosToken = tokens.GetValueOrDefault("bos_token"),
            EosToken = tokens.GetValueOrDefault("eos_token"),
        };
    }

    private static long? ReadModelMaxLength(JsonFields fields)
    {
        if (fields.OptionalNumber("model_max_length") is not { } value) return null;
        if (value >= NoLimitThreshold) return null;
        if (value <= 0 || Math.Floor(value) != value)
            throw fields.Error("model_max_length", $"must be a positive integer, got {value}");
        return (long)value;
    }

    /// <summary>Sets each special token the object names (later files override earlier ones).</summary>
    private static void ReadSpecialTokens(JsonFields fields, Dictionary<string, string?> tokens)
    {
        foreach (var field in SpecialTokenFields)
        {
            if (fields.Get(field) is not { } value) continue;
            tokens[field] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object when value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                    => content.GetString(),
                _ => throw fields.Error(field, $"must be a string or an object with a string 'content', got {JsonFields.Describe(value)}"),
            };
        }
    }
}
