using System.Text;
using System.Text.Json;

namespace EmbedRt.Server.Models;

/// <summary>
/// Token id → token text, read from the folder's tokenizer.json (or vocab.txt), for /tokenize and /decode.
/// Decoding joins WordPiece tokens (a "##" piece continues the word) or Metaspace pieces ("▁" is a space),
/// as Hugging Face's decoders do.
/// </summary>
internal sealed class TokenVocabulary
{
    private readonly string[] _tokens;
    private readonly bool _metaspace;

    private TokenVocabulary(string[] tokens, bool metaspace)
    {
        _tokens = tokens;
        _metaspace = metaspace;
    }

    /// <summary>The text of a token id; "" for an id outside the vocabulary.</summary>
    public string Token(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] ?? "" : "";

    public bool Contains(int id) => (uint)id < (uint)_tokens.Length && _tokens[id] is not null;

    /// <summary>The text of a token sequence.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        foreach (int id in ids)
        {
            string token = Token(id);
            if (_metaspace) text.Append(token.Replace('\u2581', ' '));
            else if (token.StartsWith("##", StringComparison.Ordinal)) text.Append(token, 2, token.Length - 2);
            else
            {
                if (text.Length > 0) text.Append(' ');
                text.Append(token);
            }
        }
        return _metaspace && text.Length > 0 && text[0] == ' ' ? text.ToString(1, text.Length - 1) : text.ToString();
    }

    /// <exception cref="FileNotFoundException">The folder has neither tokenizer.json nor vocab.txt.</exception>
    public static TokenVocabulary Load(string directory)
    {
        string json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json)) return FromTokenizerJson(json);
        string vocab = Path.Combine(directory, "vocab.txt");
        if (File.Exists(vocab)) return new TokenVocabulary(File.ReadAllLines(vocab), metaspace: false);
        throw new FileNotFoundException($"{directory} has neither tokenizer.json nor vocab.txt to read token texts from");
    }

    private static TokenVocabulary FromTokenizerJson(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        var pieces = new Dictionary<int, string>();
        var vocab = root.GetProperty("model").GetProperty("vocab");
        if (vocab.ValueKind == JsonValueKind.Array)
        {
            int id = 0;
            foreach (var entry in vocab.EnumerateArray()) pieces[id++] = entry[0].GetString()!;
        }
        else
        {
            foreach (var entry in vocab.EnumerateObject()) pieces[entry.Value.GetInt32()] = entry.Name;
        }
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            foreach (var token in added.EnumerateArray()) pieces[token.GetProperty("id").GetInt32()] = token.GetProperty("content").GetString()!;
        var tokens = new string[pieces.Count == 0 ? 0 : pieces.Keys.Max() + 1];
        foreach (var (id, text) in pieces) tokens[id] = text;
        bool metaspace = root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object
            && decoder.TryGetProperty("type", out var type) && type.GetString() == "Metaspace";
        return new TokenVocabulary(tokens, metaspace);
    }
}
