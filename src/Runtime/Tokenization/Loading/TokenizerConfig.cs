using System.Text.Json;
using EmbedRt.Loader;
using EmbedRt.Tokenization.AddedTokens;

namespace EmbedRt.Tokenization.Loading;

/// <summary>
/// What tokenizer_config.json and special_tokens_map.json say (both optional): BERT normalization flags,
/// special token names, and added_tokens_decoder entries.
/// </summary>
internal sealed class TokenizerConfig
{
    public bool? DoLowerCase { get; private init; }
    public bool? StripAccents { get; private init; }
    public bool? TokenizeChineseChars { get; private init; }

    /// <summary>Special token names by role: unk_token, sep_token, pad_token, cls_token, mask_token, ...</summary>
    public Dictionary<string, string> SpecialTokens { get; } = new(StringComparer.Ordinal);

    public List<AddedToken> AddedTokens { get; } = [];

    /// <summary>tokenizer_config.json's path when the folder has one (the origin of <see cref="AddedTokens"/>).</summary>
    public string? ConfigPath { get; private init; }

    private static readonly string[] s_roles = ["unk_token", "sep_token", "pad_token", "cls_token", "mask_token", "bos_token", "eos_token"];

    public static TokenizerConfig Read(string directory)
    {
        var configPath = Path.Combine(directory, "tokenizer_config.json");
        var mapPath = Path.Combine(directory, "special_tokens_map.json");
        TokenizerConfig config;
        if (ModelFile.Exists(configPath))
        {
            var json = new JsonFields(configPath);
            using var document = json.Parse();
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw json.Error("(root)", "expected an object");
            config = new TokenizerConfig
            {
                ConfigPath = configPath,
                DoLowerCase = json.NullableBool(root, "do_lower_case", ""),
                StripAccents = json.NullableBool(root, "strip_accents", ""),
                TokenizeChineseChars = json.NullableBool(root, "tokenize_chinese_chars", ""),
            };
            config.ReadRoles(json, root);
            config.ReadAddedTokensDecoder(json, root);
        }
        else config = new TokenizerConfig();
        if (ModelFile.Exists(mapPath))
        {
            var json = new JsonFields(mapPath);
            using var document = json.Parse();
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw json.Error("(root)", "expected an object");
            config.ReadRoles(json, document.RootElement, overwrite: false);
        }
        return config;
    }

    public string Role(string role, string fallback) => SpecialTokens.GetValueOrDefault(role, fallback);

    private void ReadRoles(JsonFields json, JsonElement root, bool overwrite = true)
    {
        foreach (var role in s_roles)
        {
            if (json.TokenContent(root, role) is { } content && (overwrite || !SpecialTokens.ContainsKey(role)))
                SpecialTokens[role] = content;
        }
    }

    private void ReadAddedTokensDecoder(JsonFields json, JsonElement root)
    {
        if (json.Optional(root, "added_tokens_decoder") is not { } decoder) return;
        foreach (var entry in json.Object(decoder, "added_tokens_decoder"))
        {
            string path = "added_tokens_decoder." + entry.Name;
            if (!int.TryParse(entry.Name, out int id)) throw json.Error(path, "key is not an integer id");
            AddedTokens.Add(new AddedToken(
                json.String(json.Required(entry.Value, "content", path), path + ".content"), id,
                json.Bool(entry.Value, "special", path, false),
                json.Bool(entry.Value, "normalized", path, false),
                json.Bool(entry.Value, "lstrip", path, false),
                json.Bool(entry.Value, "rstrip", path, false),
                json.Bool(entry.Value, "single_word", path, false)));
        }
    }
}
