namespace EmbedRt.Cli.Input;

/// <summary>One input line: a text and, for pair encodings, a second text.</summary>
internal sealed record InputRecord(string Text, string? Pair);

/// <summary>A malformed input line; the message names the line.</summary>
internal sealed class InputException(string message) : Exception(message);

/// <summary>A record with the 1-based number of the input line it came from.</summary>
internal readonly record struct Numbered<T>(int Line, T Value);
