namespace EmbedRt.Server.Tests;

/// <summary>Reading vectors out of response bodies, and exact (bitwise) float comparison.</summary>
internal static class Json
{
    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(x => x.GetSingle()).ToArray();

    public static float[][] Matrix(JsonElement array) => array.EnumerateArray().Select(Floats).ToArray();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value);

    /// <summary>Same length and the same bits in every component (not merely close).</summary>
    public static void BitEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"component {i}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    public static void BitEqual(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) BitEqual(expected[i], actual[i]);
    }
}
