using EmbedRt.Loader;
using EmbedRt.Tokenization.Loading;

namespace EmbedRt.Tokenization;

/// <summary>Picks and loads the tokenizer of a model folder.</summary>
public static class TextTokenizer
{
    /// <summary>
    /// Loads from tokenizer.json when present, else vocab.txt + tokenizer_config.json (BERT WordPiece),
    /// else sentencepiece.bpe.model (XLM-R). Needs no weights. Throws ModelFormatException naming the file on bad input.
    /// </summary>
    /// <exception cref="ModelFormatException">No tokenizer file in the folder, or a file is malformed or unsupported.</exception>
    public static ITextTokenizer Load(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!Directory.Exists(modelDirectory)) throw new ModelFormatException(modelDirectory, "folder not found");
        var config = TokenizerConfig.Read(modelDirectory);
        var tokenizerJson = Path.Combine(modelDirectory, "tokenizer.json");
        if (ModelFile.Exists(tokenizerJson)) return TokenizerJsonLoader.Load(tokenizerJson, config.SpecialTokens.GetValueOrDefault("pad_token"));
        var vocabTxt = Path.Combine(modelDirectory, "vocab.txt");
        if (ModelFile.Exists(vocabTxt)) return VocabTxtLoader.Load(vocabTxt, config);
        var sentencePiece = Path.Combine(modelDirectory, "sentencepiece.bpe.model");
        if (ModelFile.Exists(sentencePiece)) return SentencePieceLoader.Load(sentencePiece, config);
        throw new ModelFormatException(modelDirectory, "no tokenizer.json, vocab.txt or sentencepiece.bpe.model in the folder");
    }
}
