using EmbedRt.Loader;
using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.WordPiece;

namespace EmbedRt.Tokenization.Loading;

/// <summary>
/// Builds the BERT WordPiece tokenizer the way transformers converts a slow BertTokenizer: vocab.txt (one token
/// per line, id = line number, a repeated token keeps its last line), BertNormalizer from tokenizer_config.json,
/// "##" continuation, 100-char words, [CLS] A [SEP] (B [SEP]).
/// </summary>
internal static class VocabTxtLoader
{
    public static ITextTokenizer Load(string vocabPath, TokenizerConfig config)
    {
        var vocabulary = ReadVocabulary(vocabPath);
        string unknown = config.Role("unk_token", "[UNK]");
        if (!vocabulary.TryGetValue(unknown, out int unknownId))
            throw new ModelFormatException(vocabPath, $"the unknown token \"{unknown}\" is not in the vocabulary");
        int IdOf(string role, string fallback)
        {
            string token = config.Role(role, fallback);
            return vocabulary.TryGetValue(token, out int id)
                ? id : throw new ModelFormatException(vocabPath, $"the {role} \"{token}\" is not in the vocabulary");
        }
        var template = PostProcessorTemplate.Bert(IdOf("cls_token", "[CLS]"), IdOf("sep_token", "[SEP]"));

        bool lowercase = config.DoLowerCase ?? true;
        var normalizer = new BertNormalizer(new BertNormalizerOptions(
            CleanText: true, config.TokenizeChineseChars ?? true, config.StripAccents ?? lowercase, lowercase));
        var model = new BertSegmentModel(normalizer, new WordPieceModel(vocabulary, unknownId, "##", 100));

        var addedTokens = new List<AddedToken>(config.AddedTokens);
        foreach (var (role, fallback) in s_specialRoles)
        {
            string token = config.Role(role, fallback);
            if (vocabulary.TryGetValue(token, out int id) && addedTokens.All(t => t.Content != token))
                addedTokens.Add(new AddedToken(token, id, Special: true));
        }
        var ids = new TokenIdAudit();
        ids.AddVocabulary(vocabulary, vocabPath, (token, id) => $"line {id + 1} (\"{token}\")");
        ids.AddAddedTokens(config.AddedTokens, config.ConfigPath ?? vocabPath, "added_tokens_decoder entry");
        var tokenIds = new Dictionary<string, int>(vocabulary);
        foreach (var token in addedTokens) tokenIds[token.Content] = token.Id;
        int padId = TokenizerJsonLoader.PadIdOf(tokenIds, config.SpecialTokens.GetValueOrDefault("pad_token"), "[PAD]");
        return new PipelineTokenizer(model, addedTokens, template, padId, ids.Result(vocabPath), tokenIds);
    }

    private static readonly (string Role, string Default)[] s_specialRoles =
        [("pad_token", "[PAD]"), ("unk_token", "[UNK]"), ("cls_token", "[CLS]"), ("sep_token", "[SEP]"), ("mask_token", "[MASK]")];

    /// <summary>Lines split on \n, \r\n or \r, as Python's universal newlines read them.</summary>
    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        string text = DecodeUtf8(path, ModelFile.ReadAllBytes(path));
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        int id = 0;
        var rest = text.AsSpan();
        while (rest.Length > 0)
        {
            int end = rest.IndexOfAny('\r', '\n');
            var line = end < 0 ? rest : rest[..end];
            vocabulary[line.ToString()] = id++;
            if (end < 0) break;
            int skip = rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1;
            rest = rest[(end + skip)..];
        }
        if (id == 0) throw new ModelFormatException(path, "the vocabulary is empty");
        return vocabulary;
    }

    /// <summary>
    /// Strict UTF-8, as Python's open(encoding="utf-8") reads it: a bad byte is an error naming its line, never a
    /// silent U+FFFD token. A leading byte-order mark is dropped.
    /// </summary>
    private static string DecodeUtf8(string path, byte[] bytes)
    {
        var content = bytes.AsSpan(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
        var chars = new char[content.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(content, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            int line = content[..read].Count((byte)'\n') + 1;
            throw new ModelFormatException(path, $"line {line}: invalid UTF-8 (byte 0x{content[read]:X2} at offset {read + bytes.Length - content.Length})");
        }
        return new string(chars, 0, written);
    }
}
