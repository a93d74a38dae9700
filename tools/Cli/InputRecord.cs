namespace EmbedRt.Cli;

/// <summary>One input line: a text and, for pair encodings, a second text.</summary>
internal sealed record InputRecord(string Text, string? Pair);

/// <summary>A malformed input line; the message names the line.</summary>
internal sealed class InputException(string message) : Exception(message);
