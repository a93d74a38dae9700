using System.Text.Json;
using System.Text.RegularExpressions;
using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unigram;
using EmbedRt.Tokenization.WordPiece;

namespace EmbedRt.Tokenization.Loading;

/// <summary>
/// Builds a tokenizer from a Hugging Face tokenizer.json: WordPiece with BertNormalizer/BertPreTokenizer, or
/// Unigram with a normalizer sequence and Metaspace; TemplateProcessing/BertProcessing/RobertaProcessing.
/// The file's own truncation and padding settings are ignored: callers pass maxLength and pad themselves.
/// </summary>
internal static class TokenizerJsonLoader
{
    public static ITextTokenizer Load(string path, string? padToken)
    {
        var json = new JsonFields(path);
        using var document = json.Parse();
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw json.Error("(root)", "expected an object");

        var addedTokens = ReadAddedTokens(json, root);
        var model = json.Required(root, "model", "");
        string type = json.String(model, "type", "model") ?? InferModelType(json, model);
        var (segmentModel, tokenIds) = type switch
        {
            "WordPiece" => ReadWordPiece(json, root, model),
            "Unigram" => ReadUnigram(json, root, model),
            _ => throw json.Error("model.type", $"unsupported model \"{type}\" (supported: WordPiece, Unigram)"),
        };
        var ids = new TokenIdAudit();
        ids.AddVocabulary(tokenIds, path, (token, id) => $"model.vocab entry \"{token}\"");
        ids.AddAddedTokens(addedTokens, path, "added_tokens entry");
        foreach (var token in addedTokens) tokenIds[token.Content] = token.Id;

        var template = ReadPostProcessor(json, root, tokenIds);
        ids.AddTemplate(template, path, "post_processor");
        int padId = PadIdOf(tokenIds, padToken, type == "Unigram" ? "<pad>" : "[PAD]");
        return new PipelineTokenizer(segmentModel, addedTokens, template, padId, ids.Result(path), tokenIds);
    }

    /// <summary>The pad token's id, or 0 when the vocabulary has none (padding positions are masked anyway).</summary>
    internal static int PadIdOf(IReadOnlyDictionary<string, int> tokenIds, string? configured, string conventional) =>
        tokenIds.TryGetValue(configured ?? conventional, out int id) ? id : 0;

    private static string InferModelType(JsonFields json, JsonElement model) =>
        json.Optional(model, "vocab")?.ValueKind switch
        {
            JsonValueKind.Array => "Unigram",
            JsonValueKind.Object when json.Optional(model, "merges") is null => "WordPiece",
            JsonValueKind.Object => "BPE",
            _ => throw json.Error("model.vocab", "missing, so the model type cannot be told"),
        };

    private static List<AddedToken> ReadAddedTokens(JsonFields json, JsonElement root)
    {
        var tokens = new List<AddedToken>();
        if (json.Optional(root, "added_tokens") is not { } list) return tokens;
        int index = 0;
        foreach (var item in json.Array(list, "added_tokens"))
        {
            string path = $"added_tokens[{index++}]";
            tokens.Add(new AddedToken(
                json.String(json.Required(item, "content", path), path + ".content"),
                json.Int(item, "id", path),
                json.Bool(item, "special", path, false),
                json.Bool(item, "normalized", path, false),
                json.Bool(item, "lstrip", path, false),
                json.Bool(item, "rstrip", path, false),
                json.Bool(item, "single_word", path, false)));
        }
        return tokens;
    }

    private static (ISegmentModel, Dictionary<string, int>) ReadWordPiece(JsonFields json, JsonElement root, JsonElement model)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in json.Object(json.Required(model, "vocab", "model"), "model.vocab"))
            vocabulary[entry.Name] = json.Int(entry.Value, "model.vocab." + entry.Name);
        string unknown = json.String(model, "unk_token", "model") ?? "[UNK]";
        if (!vocabulary.TryGetValue(unknown, out int unknownId))
            throw json.Error("model.unk_token", $"\"{unknown}\" is not in model.vocab");
        var wordPiece = new WordPieceModel(vocabulary, unknownId,
            json.String(model, "continuing_subword_prefix", "model") ?? "##",
            json.Int(model, "max_input_chars_per_word", "model", 100));

        var normalizer = json.Optional(root, "normalizer");
        BertNormalizerOptions options;
        if (normalizer is null) options = new BertNormalizerOptions(false, false, false, false);
        else
        {
            string kind = json.String(normalizer.Value, "type", "normalizer") ?? "";
            if (kind != "BertNormalizer") throw json.Error("normalizer.type", $"unsupported normalizer \"{kind}\" for WordPiece (supported: BertNormalizer)");
            bool lowercase = json.Bool(normalizer.Value, "lowercase", "normalizer", true);
            options = new BertNormalizerOptions(
                json.Bool(normalizer.Value, "clean_text", "normalizer", true),
                json.Bool(normalizer.Value, "handle_chinese_chars", "normalizer", true),
                json.NullableBool(normalizer.Value, "strip_accents", "normalizer") ?? lowercase,
                lowercase);
        }
        string? preTokenizer = json.Optional(root, "pre_tokenizer") is { } pre ? json.String(pre, "type", "pre_tokenizer") : null;
        if (preTokenizer != "BertPreTokenizer")
            throw json.Error("pre_tokenizer.type", $"unsupported pre-tokenizer \"{preTokenizer ?? "null"}\" for WordPiece (supported: BertPreTokenizer)");
        return (new BertSegmentModel(new BertNormalizer(options), wordPiece), vocabulary);
    }

    private static (ISegmentModel, Dictionary<string, int>) ReadUnigram(JsonFields json, JsonElement root, JsonElement model)
    {
        var pieces = new List<(string, double)>();
        int index = 0;
        foreach (var entry in json.Array(json.Required(model, "vocab", "model"), "model.vocab"))
        {
            string path = $"model.vocab[{index++}]";
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2) throw json.Error(path, "expected [piece, score]");
            pieces.Add((json.String(entry[0], path), json.Double(entry[1], path)));
        }
        int unknownId = json.Int(model, "unk_id", "model");
        if ((uint)unknownId >= (uint)pieces.Count) throw json.Error("model.unk_id", $"{unknownId} is outside the {pieces.Count} pieces");
        if (json.Bool(model, "byte_fallback", "model", false)) throw json.Error("model.byte_fallback", "byte fallback is not supported");

        var steps = json.Optional(root, "normalizer") is { } normalizer ? ReadNormalizer(json, normalizer, "normalizer") : [];
        var pre = json.Required(root, "pre_tokenizer", "");
        var metaspace = ReadMetaspace(json, pre);
        var tokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < pieces.Count; id++) tokenIds[pieces[id].Item1] = id;
        return (new UnigramSegmentModel(steps, metaspace, new UnigramModel(pieces, unknownId)), tokenIds);
    }

    private static List<NormalizerStep> ReadNormalizer(JsonFields json, JsonElement normalizer, string path)
    {
        string kind = json.String(normalizer, "type", path) ?? "";
        switch (kind)
        {
            case "Sequence":
                var steps = new List<NormalizerStep>();
                int index = 0;
                foreach (var item in json.Array(json.Required(normalizer, "normalizers", path), path + ".normalizers"))
                    steps.AddRange(ReadNormalizer(json, item, $"{path}.normalizers[{index++}]"));
                return steps;
            case "Precompiled":
                string? encoded = json.String(normalizer, "precompiled_charsmap", path);
                if (string.IsNullOrEmpty(encoded)) return [];
                byte[] blob;
                try { blob = Convert.FromBase64String(encoded); }
                catch (FormatException e) { throw new Loader.ModelFormatException(json.FilePath, path + ".precompiled_charsmap: not base64", e); }
                return [new NormalizerStep.Precompiled(PrecompiledCharsMap.Parse(blob, json.FilePath))];
            case "Strip":
                return [new NormalizerStep.Strip(json.Bool(normalizer, "strip_left", path, true), json.Bool(normalizer, "strip_right", path, true))];
            case "Replace":
                var pattern = json.Required(normalizer, "pattern", path);
                string content = json.String(normalizer, "content", path) ?? "";
                return [new NormalizerStep.Replace(ReadPattern(json, pattern, path + ".pattern"), content)];
            case "Lowercase":
                return [new NormalizerStep.Lowercase()];
            case "NFD":
                return [new NormalizerStep.Nfd()];
            case "StripAccents":
                return [new NormalizerStep.StripAccents()];
            default:
                throw json.Error(path + ".type", $"unsupported normalizer \"{kind}\" for Unigram (supported: Sequence, Precompiled, Strip, Replace, Lowercase, NFD, StripAccents)");
        }
    }

    private static Regex ReadPattern(JsonFields json, JsonElement pattern, string path)
    {
        if (json.String(pattern, "String", path) is { } literal) return new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant);
        if (json.String(pattern, "Regex", path) is { } regex)
        {
            try { return new Regex(regex, RegexOptions.CultureInvariant); }
            catch (ArgumentException e) { throw new Loader.ModelFormatException(json.FilePath, $"{path}.Regex: invalid pattern: {e.Message}", e); }
        }
        throw json.Error(path, "expected {\"String\": ...} or {\"Regex\": ...}");
    }

    private static MetaspaceOptions ReadMetaspace(JsonFields json, JsonElement pre)
    {
        string? kind = json.String(pre, "type", "pre_tokenizer");
        if (kind != "Metaspace") throw json.Error("pre_tokenizer.type", $"unsupported pre-tokenizer \"{kind}\" for Unigram (supported: Metaspace)");
        string replacement = json.String(pre, "replacement", "pre_tokenizer") ?? "\u2581";
        if (replacement.Length != 1) throw json.Error("pre_tokenizer.replacement", "expected a single character");
        var scheme = json.String(pre, "prepend_scheme", "pre_tokenizer") switch
        {
            "always" => PrependScheme.Always,
            "first" => PrependScheme.First,
            "never" => PrependScheme.Never,
            null => json.Bool(pre, "add_prefix_space", "pre_tokenizer", true) ? PrependScheme.Always : PrependScheme.Never,
            var other => throw json.Error("pre_tokenizer.prepend_scheme", $"unknown value \"{other}\""),
        };
        return new MetaspaceOptions(replacement[0], scheme, json.Bool(pre, "split", "pre_tokenizer", true));
    }

    private static PostProcessorTemplate ReadPostProcessor(JsonFields json, JsonElement root, Dictionary<string, int> tokenIds)
    {
        if (json.Optional(root, "post_processor") is not { } post) return new PostProcessorTemplate([new(null, 0, 0)], [new(null, 0, 0), new(null, 1, 1)]);
        string? kind = json.String(post, "type", "post_processor");
        switch (kind)
        {
            case "TemplateProcessing":
                var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                if (json.Optional(post, "special_tokens") is { } map)
                {
                    foreach (var entry in json.Object(map, "post_processor.special_tokens"))
                    {
                        string path = "post_processor.special_tokens." + entry.Name;
                        specials[entry.Name] = json.Array(json.Required(entry.Value, "ids", path), path + ".ids")
                            .Select(id => json.Int(id, path + ".ids")).ToArray();
                    }
                }
                return new PostProcessorTemplate(
                    ReadTemplate(json, json.Required(post, "single", "post_processor"), "post_processor.single", specials),
                    ReadTemplate(json, json.Required(post, "pair", "post_processor"), "post_processor.pair", specials));
            case "BertProcessing":
                return PostProcessorTemplate.Bert(ReadTokenPair(json, post, "cls"), ReadTokenPair(json, post, "sep"));
            case "RobertaProcessing":
                return PostProcessorTemplate.Roberta(ReadTokenPair(json, post, "cls"), ReadTokenPair(json, post, "sep"));
            default:
                throw json.Error("post_processor.type", $"unsupported post-processor \"{kind}\" (supported: TemplateProcessing, BertProcessing, RobertaProcessing)");
        }
    }

    private static int ReadTokenPair(JsonFields json, JsonElement post, string name)
    {
        var pair = json.Required(post, name, "post_processor");
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2) throw json.Error("post_processor." + name, "expected [token, id]");
        return json.Int(pair[1], "post_processor." + name);
    }

    private static TemplatePiece[] ReadTemplate(JsonFields json, JsonElement items, string path, Dictionary<string, int[]> specials)
    {
        var pieces = new List<TemplatePiece>();
        int index = 0;
        foreach (var item in json.Array(items, path))
        {
            string itemPath = $"{path}[{index++}]";
            if (json.Optional(item, "SpecialToken") is { } special)
            {
                string name = json.String(json.Required(special, "id", itemPath + ".SpecialToken"), itemPath + ".SpecialToken.id");
                if (!specials.TryGetValue(name, out var ids)) throw json.Error(itemPath, $"special token \"{name}\" is not in post_processor.special_tokens");
                pieces.Add(new TemplatePiece(ids, -1, json.Int(special, "type_id", itemPath + ".SpecialToken", 0)));
            }
            else if (json.Optional(item, "Sequence") is { } sequence)
            {
                string id = json.String(sequence, "id", itemPath + ".Sequence") ?? "A";
                int which = id switch
                {
                    "A" => 0,
                    "B" => 1,
                    _ => throw json.Error(itemPath + ".Sequence.id", $"expected \"A\" or \"B\", got \"{id}\""),
                };
                pieces.Add(new TemplatePiece(null, which, json.Int(sequence, "type_id", itemPath + ".Sequence", 0)));
            }
            else throw json.Error(itemPath, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
        }
        return pieces.ToArray();
    }
}
