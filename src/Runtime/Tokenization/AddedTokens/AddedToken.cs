namespace EmbedRt.Tokenization.AddedTokens;

/// <summary>A token matched literally in the text before the model runs (tokenizer.json "added_tokens").</summary>
internal sealed record AddedToken(
    string Content, int Id, bool Special, bool Normalized = false,
    bool LStrip = false, bool RStrip = false, bool SingleWord = false);
