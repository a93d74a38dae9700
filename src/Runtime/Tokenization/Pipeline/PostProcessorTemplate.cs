namespace EmbedRt.Tokenization.Pipeline;

/// <summary>One piece of a template: special token ids, or the first/second sequence, with the type id to assign.</summary>
internal readonly record struct TemplatePiece(int[]? SpecialIds, int Sequence, int TypeId)
{
    public static TemplatePiece Special(int id, int typeId) => new([id], -1, typeId);
}

/// <summary>
/// Hugging Face's TemplateProcessing (BertProcessing and RobertaProcessing are fixed instances of it):
/// where the special tokens go and which type id each part gets.
/// </summary>
internal sealed class PostProcessorTemplate(TemplatePiece[] single, TemplatePiece[] pair)
{
    private readonly int _singleSpecialCount = single.Sum(p => p.SpecialIds?.Length ?? 0);
    private readonly int _pairSpecialCount = pair.Sum(p => p.SpecialIds?.Length ?? 0);

    public int SpecialTokenCount(bool isPair) => isPair ? _pairSpecialCount : _singleSpecialCount;

    /// <summary>Special tokens the single-text template puts before the text.</summary>
    public int SingleSpecialTokensBefore { get; } = single.TakeWhile(p => p.SpecialIds is not null).Sum(p => p.SpecialIds!.Length);

    /// <summary>Every piece of both templates, for checking the ids and type ids they emit.</summary>
    public IEnumerable<TemplatePiece> Pieces => single.Concat(pair);

    public void Apply(GrowableList<int> first, GrowableList<int>? second, TokenBuffer output)
    {
        output.Clear();
        foreach (var piece in second is null ? single : pair)
        {
            if (piece.SpecialIds is { } ids)
            {
                foreach (int id in ids) output.Add(id, piece.TypeId);
                continue;
            }
            var sequence = piece.Sequence == 0 ? first : second!;
            foreach (int id in sequence.Span) output.Add(id, piece.TypeId);
        }
    }

    /// <summary>[CLS] A [SEP] (B [SEP]) with type ids 0 for the first part and 1 for the second.</summary>
    public static PostProcessorTemplate Bert(int clsId, int sepId) => new(
        [TemplatePiece.Special(clsId, 0), new(null, 0, 0), TemplatePiece.Special(sepId, 0)],
        [TemplatePiece.Special(clsId, 0), new(null, 0, 0), TemplatePiece.Special(sepId, 0), new(null, 1, 1), TemplatePiece.Special(sepId, 1)]);

    /// <summary>&lt;s&gt; A &lt;/s&gt; (&lt;/s&gt; B &lt;/s&gt;), all type ids 0 (as transformers' XLM-R conversion writes it).</summary>
    public static PostProcessorTemplate Roberta(int clsId, int sepId) => new(
        [TemplatePiece.Special(clsId, 0), new(null, 0, 0), TemplatePiece.Special(sepId, 0)],
        [TemplatePiece.Special(clsId, 0), new(null, 0, 0), TemplatePiece.Special(sepId, 0), TemplatePiece.Special(sepId, 0), new(null, 1, 0), TemplatePiece.Special(sepId, 0)]);
}
