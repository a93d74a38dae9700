using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace EmbedRt.Server.Tests;

/// <summary>
/// Mutation fuzzing over HTTP: valid bodies of every route, mutated in structure (a field replaced by a value of a
/// wrong type or range, removed, duplicated, nested too deep) and in bytes (flipped, invalid UTF-8, cut short).
/// Every answer must be a documented status with its error shape and never an unexpected exception turned into a
/// 424 (OpenAI's 404 model_not_found for a mangled model name); successful answers carry only finite numbers; the server still answers the valid body identically at the end.
/// </summary>
public sealed class HostileBodyTests(AllModelsServer fixture) : IClassFixture<AllModelsServer>
{
    private const int MutationsPerSeed = 120;

    private TestServer Host => fixture.Host;

    public static TheoryData<string, string> Seeds => new()
    {
        { "/embed", """{"inputs":["hello world","你好 ÀÉ"],"normalize":true,"truncate":true,"dimensions":8,"prompt_name":null}""" },
        { "/embed", """{"inputs":[[101,2000,102],[101,102]],"normalize":false}""" },
        { "/xlmr-tiny-m3/embed_sparse", """{"inputs":"a b c","truncate":false}""" },
        { "/xlmr-tiny-m3/embed_all", """{"inputs":["x y","z"]}""" },
        { "/xlmr-tiny-reranker/rerank", """{"query":"q","texts":["a","b"],"raw_scores":false,"return_text":true,"truncate":true}""" },
        { "/similarity", """{"inputs":{"source_sentence":"a","sentences":["b","c"]}}""" },
        { "/tokenize", """{"inputs":["hello there","再见"],"add_special_tokens":true}""" },
        { "/decode", """{"ids":[[101,2000,102]],"skip_special_tokens":true}""" },
        { "/v1/embeddings", """{"input":["a","b"],"model":"bert-tiny-uncased","encoding_format":"base64","dimensions":4}""" },
        { "/v1/embeddings", """{"input":[[101,2000,102]],"encoding_format":"float"}""" },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Mutated_bodies_get_documented_errors_and_the_server_keeps_answering(string path, string seed)
    {
        var (status, before) = await PostBytes(path, Encoding.UTF8.GetBytes(seed));
        Assert.Equal(200, status);
        var random = new Random(path.Length * 7919 + seed.Length);
        for (int i = 0; i < MutationsPerSeed; i++)
        {
            byte[] body = random.Next(3) == 0 ? MutateBytes(random, seed) : Encoding.UTF8.GetBytes(MutateStructure(random, seed));
            var (code, answer) = await PostBytes(path, body);
            string text = Encoding.UTF8.GetString(body);
            string context = $"{path} {text[..Math.Min(text.Length, 300)]} → {code} {answer}";
            bool openAi = path.StartsWith("/v1/", StringComparison.Ordinal);
            Assert.True(code is 200 or 400 or 413 or 422 or 424 || (openAi && code == 404 && answer.Contains("model_not_found")), context);
            if (code == 200)
                AssertFinite(answer, context);
            else
                AssertErrorShape(path, answer, context);
        }
        var (again, after) = await PostBytes(path, Encoding.UTF8.GetBytes(seed));
        Assert.Equal(200, again);
        Assert.Equal(before, after);
    }

    [Theory]
    [InlineData("/embed")]
    [InlineData("/tokenize")]
    [InlineData("/v1/embeddings")]
    public async Task Invalid_utf8_inside_an_input_string_is_a_validation_error(string path)
    {
        string field = path == "/v1/embeddings" ? "input" : "inputs";
        byte[] body = [.. Encoding.UTF8.GetBytes($"{{\"{field}\": [\"ok\", \"a"), 0xFF, 0xC0, .. Encoding.UTF8.GetBytes("b\"]}")];
        var (status, answer) = await PostBytes(path, body);
        Assert.Equal(422, status);
        Assert.Contains($"{field}[1]", answer);
    }

    [Fact]
    public async Task Broken_chunked_framing_is_a_400_with_a_TEI_error()
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Host.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            "POST /embed HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"inp\r\nzz\r\n"));
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string statusLine = (await reader.ReadLineAsync(timeout.Token))!;
        Assert.StartsWith("HTTP/1.1 400", statusLine);
        string? line;
        while ((line = await reader.ReadLineAsync(timeout.Token)) is not null && !line.Contains("error_type")) { }
        Assert.Contains("\"error_type\":\"Validation\"", line);
        var (ok, _) = await PostBytes("/embed", Encoding.UTF8.GetBytes("{\"inputs\": \"still serving\"}"));
        Assert.Equal(200, ok);
    }

    private async Task<(int Status, string Body)> PostBytes(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Host.Client.PostAsync(path, content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>TEI's {"error","error_type"} or OpenAI's {"error":{...}}, and not a failure the server did not foresee.</summary>
    private static void AssertErrorShape(string path, string body, string context)
    {
        using var document = JsonDocument.Parse(body);
        var error = document.RootElement.GetProperty("error");
        string message = path.StartsWith("/v1/", StringComparison.Ordinal)
            ? error.GetProperty("message").GetString()!
            : error.GetString()!;
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
            Assert.Contains(document.RootElement.GetProperty("error_type").GetString(), new[] { "Empty", "Validation", "Tokenizer", "Backend" });
        Assert.False(string.IsNullOrWhiteSpace(message), context);
        Assert.False(message.StartsWith("Inference failed", StringComparison.Ordinal), context);
    }

    private static void AssertFinite(string body, string context)
    {
        using var document = JsonDocument.Parse(body);
        Walk(document.RootElement);

        void Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Number:
                    Assert.True(double.IsFinite(element.GetDouble()), context);
                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray()) Walk(item);
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject()) Walk(property.Value);
                    break;
                case JsonValueKind.String when element.GetString() is { Length: > 0 } text && IsBase64(text):
                    var bytes = Convert.FromBase64String(text);
                    for (int i = 0; i + 4 <= bytes.Length; i += 4)
                        Assert.True(float.IsFinite(BitConverter.ToSingle(bytes, i)), context);
                    break;
            }
        }
    }

    private static bool IsBase64(string text) => text.Length % 4 == 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _);

    private static readonly string[] WrongValues =
    [
        "null", "true", "-1", "0", "2147483648", "-2147483649", "1e309", "-0.0", "1.5", "\"\"", "\"\\ud800\"", "\"a\\u0000b\"",
        "[]", "[[]]", "{}", "[1,-1]", "[2147483647]", "[0]", "\"Left\"", "\"left\"", "\"RIGHT\"", "\"float\"", "\"base64\"",
        "\"query\"", "[\"a\",[1,2],{\"x\":1}]", "[null]", "\"\\t\\n\\r\"", "\"😀\\udfff\"",
    ];

    /// <summary>One structural change: a value replaced, a key removed, a key added twice, or a value nested deep.</summary>
    private static string MutateStructure(Random random, string seed)
    {
        var root = JsonNode.Parse(seed)!;
        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(root, slots);
        var (parent, key) = slots[random.Next(slots.Count)];
        string raw = random.Next(6) switch
        {
            0 when parent is JsonObject obj => Removed(obj, (string)key),
            1 when parent is JsonObject => $"\"{key}\":{WrongValues[random.Next(WrongValues.Length)]},",
            2 => Nested(random.Next(2, 200)),
            3 => JsonSerializer.Serialize(RandomText(random, random.Next(0, 3000))),
            _ => WrongValues[random.Next(WrongValues.Length)],
        };
        if (raw.Length == 0) return root.ToJsonString();
        if (raw.EndsWith(',')) return root.ToJsonString().Insert(1, raw);
        // The wrong value goes in as raw text: some of them (lone surrogates, deep nesting) JsonNode itself refuses.
        Set(parent, key, JsonValue.Create(Placeholder));
        return root.ToJsonString().Replace($"\"{Placeholder}\"", raw, StringComparison.Ordinal);
    }

    private const string Placeholder = "@@wrong-value@@";

    private static string Removed(JsonObject obj, string key)
    {
        obj.Remove(key);
        return "";
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> slots)
    {
        if (node is JsonObject obj)
            foreach (var (name, value) in obj.ToArray())
            {
                slots.Add((obj, name));
                if (value is not null) Collect(value, slots);
            }
        else if (node is JsonArray array)
            for (int i = 0; i < array.Count; i++)
            {
                slots.Add((array, i));
                if (array[i] is { } item) Collect(item, slots);
            }
    }

    private static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (parent is JsonObject obj) obj[(string)key] = value;
        else ((JsonArray)parent)[(int)key] = value;
    }

    private static string Nested(int depth) => new string('[', depth) + "\"x\"" + new string(']', depth);

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            int scalar = random.Next(4) switch
            {
                0 => random.Next(0x20, 0x7F),
                1 => random.Next(0x4E00, 0x9FFF),
                2 => random.Next(0, 0x20),
                _ => random.Next(0x80, 0x110000),
            };
            if (scalar is >= 0xD800 and <= 0xDFFF) scalar = 0xFFFD;
            text.Append(char.ConvertFromUtf32(scalar));
        }
        return text.ToString();
    }

    /// <summary>Byte-level damage: flipped bytes, bytes that are never UTF-8, or the body cut short.</summary>
    private static byte[] MutateBytes(Random random, string seed)
    {
        var bytes = Encoding.UTF8.GetBytes(seed).ToList();
        switch (random.Next(3))
        {
            case 0:
                for (int n = random.Next(1, 4); n > 0; n--) bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 1:
                bytes.Insert(random.Next(bytes.Count), (byte)random.Next(0x80, 0x100));
                break;
            default:
                bytes = bytes.Take(random.Next(bytes.Count)).ToList();
                break;
        }
        return bytes.ToArray();
    }
}
