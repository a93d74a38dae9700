using System.Buffers;
using EmbedRt.Tokenization;
using Microsoft.ML.Tokenizers;

namespace EmbedRt.Tokenizers;

/// <summary>
/// A model folder's tokenizer (EmbedRt's Hugging Face-exact BERT WordPiece / XLM-R Unigram) as a
/// <see cref="Tokenizer"/>, so chunkers and token counters built on Microsoft.ML.Tokenizers count exactly the
/// tokens the model sees. Ids and token strings are Hugging Face's, special tokens included by default
/// (<c>add_special_tokens=True</c>); <see cref="Decode(IEnumerable{int})"/> is the tokenizers library's decode.
/// </summary>
/// <remarks>
/// The Hugging Face pipeline always normalizes and pre-tokenizes: <see cref="EncodeSettings.ConsiderNormalization"/>
/// and <see cref="EncodeSettings.ConsiderPreTokenization"/> are ignored and no normalized text is returned.
/// <see cref="EncodedToken.Offset"/> is the token's span of the original text as Hugging Face's offsets give it
/// (through lowercasing, accent stripping, SentencePiece's charsmap, ...; <c>0..0</c> for the special tokens the
/// template adds). A token limit cuts the text at a character position whose prefix (or suffix) encodes within the
/// limit, found by bisection.
/// </remarks>
public sealed class EmbedRtTokenizer : Tokenizer
{
    private readonly ITextTokenizer _tokenizer;
    private readonly ITokenVocabulary _vocabulary;
    private readonly bool _addSpecialTokens;
    private readonly int[] _template;

    /// <summary>Wraps an EmbedRt tokenizer (e.g. <see cref="EmbeddingModel.Tokenizer"/>).</summary>
    /// <param name="tokenizer">The tokenizer; it must also be an <see cref="ITokenVocabulary"/>, as EmbedRt's are.</param>
    /// <param name="addSpecialTokens">Add the model's special tokens ([CLS] … [SEP], &lt;s&gt; … &lt;/s&gt;) as the model input has them.</param>
    public EmbedRtTokenizer(ITextTokenizer tokenizer, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _vocabulary = tokenizer as ITokenVocabulary
            ?? throw new ArgumentException("the tokenizer does not expose its vocabulary (ITokenVocabulary)", nameof(tokenizer));
        _addSpecialTokens = addSpecialTokens;
        var empty = new TokenBuffer();
        tokenizer.Encode([], empty);
        _template = empty.Ids.ToArray();
    }

    /// <summary>Loads the tokenizer of a model folder (tokenizer.json, vocab.txt or sentencepiece.bpe.model).</summary>
    /// <exception cref="EmbedRt.Loader.ModelFormatException">No tokenizer file, or a malformed one; the message names it.</exception>
    public static EmbedRtTokenizer Load(string modelDirectory, bool addSpecialTokens = true) =>
        new(TextTokenizer.Load(modelDirectory), addSpecialTokens);

    /// <summary>The id of a token string, or null.</summary>
    public int? TokenToId(string token) => _vocabulary.TryGetId(token, out int id) ? id : null;

    /// <summary>The token string of an id, or null.</summary>
    public string? IdToToken(int id) => _vocabulary.TokenOf(id);

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (ids, consumed) = EncodeWithin(text, textSpan, settings.MaxTokenCount);
        var tokens = new List<EncodedToken>(ids.Length);
        if (_tokenizer is ITokenOffsets offsets)
        {
            string encoded = text is null ? textSpan[..consumed].ToString() : text[..consumed];
            foreach (var token in offsets.EncodeWithOffsets(encoded, _addSpecialTokens))
                tokens.Add(new EncodedToken(token.Id, _vocabulary.TokenOf(token.Id) ?? "", new Range(token.Start, token.End)));
        }
        else foreach (int id in ids) tokens.Add(new EncodedToken(id, _vocabulary.TokenOf(id) ?? "", default));
        return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var (ids, consumed) = EncodeWithin(text, textSpan, settings.MaxTokenCount);
        return new EncodeResults<int> { Tokens = ids, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        EncodeWithin(text, textSpan, settings.MaxTokenCount).Ids.Length;

    /// <inheritdoc />
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd,
        out string? normalizedText, out int tokenCount)
    {
        normalizedText = null;
        var span = text is null ? textSpan : text.AsSpan();
        int length = LongestWithin(span, settings.MaxTokenCount, fromEnd, out tokenCount);
        return fromEnd ? span.Length - length : length;
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>Decodes ids to text as Hugging Face's tokenizers do, optionally leaving out special tokens.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id no token has.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens) => _vocabulary.Decode(ids, skipSpecialTokens);

    /// <inheritdoc />
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids as IReadOnlyList<int> ?? ids.ToArray();
        string text = Decode(all);
        if (text.Length <= destination.Length)
        {
            text.CopyTo(destination);
            (idsConsumed, charsWritten) = (all.Count, text.Length);
            return OperationStatus.Done;
        }
        // The longest prefix of ids whose decoding fits.
        int lo = 0, hi = all.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Decode(all.Take(mid)).Length <= destination.Length) lo = mid;
            else hi = mid - 1;
        }
        string fitted = Decode(all.Take(lo));
        fitted.CopyTo(destination);
        (idsConsumed, charsWritten) = (lo, fitted.Length);
        return OperationStatus.DestinationTooSmall;
    }

    private int[] Encode(ReadOnlySpan<char> text)
    {
        var buffer = new TokenBuffer();
        _tokenizer.Encode(text, buffer);
        var ids = buffer.Ids;
        if (_addSpecialTokens) return ids.ToArray();
        // Leave out what the post-processor put around the text: the empty text's encoding, split where it stops
        // matching the start (so a literal special token in the text is kept).
        int leading = 0;
        while (leading < _template.Length && ids[leading] == _template[leading]) leading++;
        return ids[leading..(ids.Length - (_template.Length - leading))].ToArray();
    }

    private (int[] Ids, int CharsConsumed) EncodeWithin(string? text, ReadOnlySpan<char> textSpan, int maxTokenCount)
    {
        var span = text is null ? textSpan : text.AsSpan();
        var ids = Encode(span);
        if (ids.Length <= maxTokenCount) return (ids, span.Length);
        int length = LongestWithin(span, maxTokenCount, fromEnd: false, out _);
        return (Encode(span[..length]), length);
    }

    /// <summary>
    /// The longest prefix (or suffix) length whose encoding has at most <paramref name="maxTokens"/> tokens, cut at a
    /// word boundary when one fits (a word's first pieces can re-tokenize differently alone), else inside the first word.
    /// </summary>
    private int LongestWithin(ReadOnlySpan<char> text, int maxTokens, bool fromEnd, out int tokenCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        tokenCount = Encode(text).Length;
        if (tokenCount <= maxTokens) return text.Length;

        var words = new List<int> { 0 };   // piece lengths ending at word boundaries, ascending
        for (int i = 1; i < text.Length; i++)
        {
            int cut = fromEnd ? text.Length - i : i;
            bool boundary = fromEnd ? char.IsWhiteSpace(text[cut - 1]) && !char.IsWhiteSpace(text[cut])
                                    : char.IsWhiteSpace(text[cut]) && !char.IsWhiteSpace(text[cut - 1]);
            if (boundary) words.Add(i);
        }
        int best = Bisect(text, words, maxTokens, fromEnd, out tokenCount);
        if (best > 0) return best;
        // Not even the first word fits: cut inside it, one character position at a time.
        int firstWord = words.Count > 1 ? words[1] : text.Length;
        var positions = new List<int>(firstWord);
        for (int n = 0; n < firstWord; n++)
            if (!SplitsSurrogatePair(text, fromEnd ? text.Length - n : n)) positions.Add(n);
        return Bisect(text, positions, maxTokens, fromEnd, out tokenCount);
    }

    /// <summary>The largest candidate length (ascending list starting at 0) whose piece fits, by bisection.</summary>
    private int Bisect(ReadOnlySpan<char> text, List<int> lengths, int maxTokens, bool fromEnd, out int tokenCount)
    {
        int lo = 0, hi = lengths.Count - 1;
        tokenCount = Encode(Piece(text, 0, fromEnd)).Length;
        if (tokenCount > maxTokens)
        {
            tokenCount = 0;
            return 0;
        }
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            int n = Encode(Piece(text, lengths[mid], fromEnd)).Length;
            if (n <= maxTokens) { lo = mid; tokenCount = n; }
            else hi = mid - 1;
        }
        return lengths[lo];
    }

    private static ReadOnlySpan<char> Piece(ReadOnlySpan<char> text, int length, bool fromEnd) =>
        fromEnd ? text[(text.Length - length)..] : text[..length];

    private static bool SplitsSurrogatePair(ReadOnlySpan<char> text, int cut) =>
        cut > 0 && cut < text.Length && char.IsHighSurrogate(text[cut - 1]) && char.IsLowSurrogate(text[cut]);
}
