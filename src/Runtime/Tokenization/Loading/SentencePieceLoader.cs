using System.Text.RegularExpressions;
using EmbedRt.Loader;
using EmbedRt.Tokenization.AddedTokens;
using EmbedRt.Tokenization.Pipeline;
using EmbedRt.Tokenization.Unigram;

namespace EmbedRt.Tokenization.Loading;

/// <summary>
/// Builds the XLM-R tokenizer from sentencepiece.bpe.model the way transformers' XLMRobertaConverter does:
/// fairseq ids (&lt;s&gt;=0, &lt;pad&gt;=1, &lt;/s&gt;=2, &lt;unk&gt;=3, piece i≥3 → i+1, &lt;mask&gt; last),
/// Precompiled + Strip(right) + Replace(" {2,}", "▁") normalization, Metaspace, &lt;s&gt; A &lt;/s&gt;&lt;/s&gt; B &lt;/s&gt;.
/// </summary>
internal static class SentencePieceLoader
{
    private const int FairseqSpecialCount = 4, SentencePieceSpecialCount = 3;

    public static ITextTokenizer Load(string path, TokenizerConfig config)
    {
        var file = SentencePieceModelFile.Read(path);
        if (!file.IsUnigram) throw new ModelFormatException(path, $"model type {file.ModelType} is not supported (only Unigram)");
        if (file.Pieces.Count < SentencePieceSpecialCount) throw new ModelFormatException(path, "fewer pieces than <unk>, <s>, </s>");

        var vocabulary = new List<(string, double)> { ("<s>", 0), ("<pad>", 0), ("</s>", 0), ("<unk>", 0) };
        foreach (var piece in file.Pieces.Skip(SentencePieceSpecialCount)) vocabulary.Add((piece.Piece, piece.Score));
        int maskId = vocabulary.Count;
        vocabulary.Add(("<mask>", 0));

        var steps = new List<NormalizerStep>();
        if (file.PrecompiledCharsMap.Length > 0) steps.Add(new NormalizerStep.Precompiled(PrecompiledCharsMap.Parse(file.PrecompiledCharsMap, path)));
        if (file.RemoveExtraWhitespaces)
        {
            steps.Add(new NormalizerStep.Strip(left: false, right: true));
            steps.Add(new NormalizerStep.Replace(new Regex(" {2,}", RegexOptions.CultureInvariant), "\u2581"));
        }
        var metaspace = new MetaspaceOptions('\u2581', file.AddDummyPrefix ? PrependScheme.Always : PrependScheme.Never, Split: true);
        var model = new UnigramSegmentModel(steps, metaspace, new UnigramModel(vocabulary, unknownId: 3));

        var addedTokens = config.AddedTokens.Count > 0
            ? config.AddedTokens
            : [new("<s>", 0, true), new("<pad>", 1, true), new("</s>", 2, true), new("<unk>", 3, true), new("<mask>", maskId, true, LStrip: true)];
        var template = PostProcessorTemplate.Roberta(clsId: 0, sepId: 2);
        var ids = new TokenIdAudit();
        ids.Add(maskId, path, $"piece {maskId} (<mask>, after the {file.Pieces.Count} pieces)");
        ids.AddAddedTokens(config.AddedTokens, config.ConfigPath ?? path, "added_tokens_decoder entry");
        ids.AddTemplate(template, path, "the XLM-R template");
        var tokenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < vocabulary.Count; id++) tokenIds.TryAdd(vocabulary[id].Item1, id);
        return new PipelineTokenizer(model, addedTokens, template, padId: 1, ids.Result(path), tokenIds);
    }
}
