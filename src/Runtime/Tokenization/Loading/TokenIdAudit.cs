using EmbedRt.Loader;
using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Loading;

/// <summary>Where a token id comes from: the file and the entry in it (a vocab line, an added token, a template).</summary>
internal sealed record TokenIdOrigin(int Id, string File, string Entry);

/// <summary>The largest token id and type id a tokenizer can emit, with their origins, for checks against a model's tables.</summary>
internal sealed record TokenIdRange(TokenIdOrigin LargestId, TokenIdOrigin LargestTypeId)
{
    /// <summary>
    /// Refuses a tokenizer that can emit an id the model has no embedding row for (or a type id with no type
    /// embedding): found at load, naming the entry, instead of an argument error on the first input that uses it.
    /// </summary>
    public void CheckFits(int vocabSize, int typeVocabSize, string configPath)
    {
        if (LargestId.Id >= vocabSize)
            throw new ModelFormatException(LargestId.File,
                $"{LargestId.Entry} has token id {LargestId.Id}, outside the model's embedding table of {vocabSize} rows (vocab_size in {configPath})");
        if (LargestTypeId.Id >= typeVocabSize)
            throw new ModelFormatException(LargestTypeId.File,
                $"{LargestTypeId.Entry} has type id {LargestTypeId.Id}, outside the model's {typeVocabSize} token types (type_vocab_size in {configPath})");
    }
}

/// <summary>
/// The one check every tokenizer loader passes its ids through: a negative id is refused at once, naming the file
/// and entry, and the largest id and type id are kept with their origins (<see cref="TokenIdRange"/>).
/// <see cref="PipelineTokenizer"/> is built only from the result, so no loader can skip it.
/// </summary>
internal sealed class TokenIdAudit
{
    private TokenIdOrigin? _largestId;
    private TokenIdOrigin? _largestTypeId;

    /// <summary>A vocabulary (token → id); the entry text is made only for the entry reported.</summary>
    public void AddVocabulary(IEnumerable<KeyValuePair<string, int>> vocabulary, string file, Func<string, int, string> entry)
    {
        KeyValuePair<string, int>? largest = null;
        foreach (var pair in vocabulary)
        {
            if (pair.Value < 0) Add(pair.Value, file, entry(pair.Key, pair.Value));
            if (largest is null || pair.Value > largest.Value.Value) largest = pair;
        }
        if (largest is { } top && (_largestId is null || top.Value > _largestId.Id)) Add(top.Value, file, entry(top.Key, top.Value));
    }

    public void AddAddedTokens(IEnumerable<AddedToken> tokens, string file, string field)
    {
        foreach (var token in tokens) Add(token.Id, file, $"{field} \"{token.Content}\"");
    }

    public void AddTemplate(PostProcessorTemplate template, string file, string field)
    {
        foreach (var piece in template.Pieces)
        {
            foreach (int id in piece.SpecialIds ?? []) Add(id, file, $"{field} special token");
            if (piece.TypeId < 0) throw new ModelFormatException(file, $"{field}: negative type id {piece.TypeId}");
            if (_largestTypeId is null || piece.TypeId > _largestTypeId.Id) _largestTypeId = new(piece.TypeId, file, $"{field} type id");
        }
    }

    public void Add(int id, string file, string entry)
    {
        if (id < 0) throw new ModelFormatException(file, $"{entry}: negative token id {id}");
        if (_largestId is null || id > _largestId.Id) _largestId = new(id, file, entry);
    }

    public TokenIdRange Result(string file) => new(
        _largestId ?? throw new ModelFormatException(file, "the tokenizer has no token ids"),
        _largestTypeId ?? new TokenIdOrigin(0, file, "type id"));
}
