using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EmbedRt.Tokenization.Pipeline;

namespace EmbedRt.Tokenization.Unigram;

/// <summary>
/// SentencePiece's precompiled normalization rules (e.g. nmt_nfkc): a darts-clone double-array trie over UTF-8
/// keys whose values point into a blob of NUL-terminated replacement strings. Applied like Hugging Face's
/// Precompiled normalizer: per grapheme cluster, falling back to per character.
/// </summary>
internal sealed class PrecompiledCharsMap
{
    private readonly uint[] _trie;
    private readonly byte[] _replacements;

    private PrecompiledCharsMap(uint[] trie, byte[] replacements)
    {
        _trie = trie;
        _replacements = replacements;
    }

    /// <summary>Parses the blob: uint32 trie byte size, the trie's uint32 units, then the replacement strings.</summary>
    public static PrecompiledCharsMap Parse(ReadOnlySpan<byte> blob, string filePath)
    {
        if (blob.Length < 4) throw new Loader.ModelFormatException(filePath, "precompiled_charsmap is shorter than its 4-byte header");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.Length - 4)
            throw new Loader.ModelFormatException(filePath, $"precompiled_charsmap trie size {trieBytes} does not fit its {blob.Length} bytes");
        var trie = new uint[trieBytes / 4];
        for (int i = 0; i < trie.Length; i++) trie[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        return new PrecompiledCharsMap(trie, blob[(4 + (int)trieBytes)..].ToArray());
    }

    public void Normalize(ReadOnlySpan<char> input, GrowableList<char> output, GrowableList<int>? sources = null)
    {
        output.Clear();
        sources?.Clear();
        Span<byte> utf8 = stackalloc byte[8];
        int firstProducing = -1; // where the first unit that writes anything starts
        for (int i = 0; i < input.Length;)
        {
            int length = StringInfo.GetNextTextElementLength(input[i..]);
            var grapheme = input.Slice(i, length);
            int graphemeStart = i;
            i += length;
            int before = output.Count;
            if (Encoding.UTF8.GetByteCount(grapheme) < 6)
            {
                int written = Encoding.UTF8.GetBytes(grapheme, utf8);
                if (TryReplace(utf8[..written], output))
                {
                    if (sources is not null) Attribute(grapheme, graphemeStart, output, before, sources);
                    if (firstProducing < 0 && output.Count > 0) firstProducing = graphemeStart;
                    continue;
                }
            }
            for (int j = 0; j < grapheme.Length;)
            {
                int width = char.IsHighSurrogate(grapheme[j]) && j + 1 < grapheme.Length && char.IsLowSurrogate(grapheme[j + 1]) ? 2 : 1;
                var character = grapheme.Slice(j, width);
                int characterStart = graphemeStart + j;
                j += width;
                before = output.Count;
                if (Rune.DecodeFromUtf16(character, out _, out _) != System.Buffers.OperationStatus.Done) output.Add(character[0]);
                else
                {
                    int written = Encoding.UTF8.GetBytes(character, utf8);
                    if (!TryReplace(utf8[..written], output)) output.AddRange(character);
                }
                if (sources is not null) Attribute(character, characterStart, output, before, sources);
                if (firstProducing < 0 && output.Count > 0) firstProducing = characterStart;
            }
        }
        if (sources is not null && firstProducing > 0) ShiftForLostRemovals(input, firstProducing, sources);
    }

    /// <summary>
    /// Hugging Face records a removed unit (one the map replaces by nothing) as a change on the output char before
    /// it; units removed before any output has no such char, so their count is lost and every later output char is
    /// aligned that many code points too early (the text's, or a segment's after an added token, first chars).
    /// Reproduced for offsets identical to HF's: sources move back by the code points of input[..firstProducing].
    /// </summary>
    private static void ShiftForLostRemovals(ReadOnlySpan<char> input, int firstProducing, GrowableList<int> sources)
    {
        var codePointStarts = new List<int>(input.Length);
        for (int u = 0; u < input.Length; u += char.IsHighSurrogate(input[u]) && u + 1 < input.Length && char.IsLowSurrogate(input[u + 1]) ? 2 : 1)
            codePointStarts.Add(u);
        int lost = codePointStarts.BinarySearch(firstProducing);
        var span = sources.Span;
        for (int o = 0; o < span.Length; o++)
            span[o] = codePointStarts[codePointStarts.BinarySearch(span[o]) - lost];
    }

    /// <summary>
    /// Hugging Face's alignment of a replaced unit: output code point k comes from the unit's code point k, the
    /// extra ones of a longer replacement from its last code point.
    /// </summary>
    private static void Attribute(ReadOnlySpan<char> unit, int unitStart, GrowableList<char> output, int before, GrowableList<int> sources)
    {
        Span<int> starts = stackalloc int[unit.Length];
        int count = 0;
        for (int u = 0; u < unit.Length; u += char.IsHighSurrogate(unit[u]) && u + 1 < unit.Length && char.IsLowSurrogate(unit[u + 1]) ? 2 : 1)
            starts[count++] = unitStart + u;
        int k = 0;
        var written = output.Span;
        for (int o = before; o < written.Length; o++)
        {
            sources.Add(starts[Math.Min(k, count - 1)]);
            if (!(char.IsHighSurrogate(written[o]) && o + 1 < written.Length && char.IsLowSurrogate(written[o + 1]))) k++;
        }
    }

    /// <summary>Appends the replacement of the shortest key prefixing <paramref name="key"/>, as HF's transform does.</summary>
    private bool TryReplace(ReadOnlySpan<byte> key, GrowableList<char> output)
    {
        int offset = FirstPrefixValue(key);
        if (offset < 0 || offset > _replacements.Length) return false;
        var rest = _replacements.AsSpan(offset);
        int end = rest.IndexOf((byte)0);
        var replacement = end < 0 ? rest : rest[..end];
        output.EnsureCapacity(output.Count + replacement.Length);
        Span<char> chars = stackalloc char[replacement.Length];
        int count = Encoding.UTF8.GetChars(replacement, chars);
        output.AddRange(chars[..count]);
        return true;
    }

    private int FirstPrefixValue(ReadOnlySpan<byte> key)
    {
        var trie = _trie;
        uint position = Offset(trie[0]);
        foreach (byte b in key)
        {
            if (b == 0) break;
            position ^= b;
            if (position >= trie.Length) return -1;
            uint unit = trie[position];
            if ((unit & 0x800000FFu) != b) return -1;
            position ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if (position >= trie.Length) return -1;
                return (int)(trie[position] & 0x7FFFFFFFu);
            }
        }
        return -1;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
