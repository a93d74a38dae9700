using System.Text.Json.Nodes;

namespace EmbedRt.Loader.Tests;

/// <summary>Writes altered copies of fixture config files.</summary>
internal static class ConfigFiles
{
    /// <summary>Applies <paramref name="edit"/> to the JSON object in <paramref name="path"/> and writes it back.</summary>
    public static string Edit(string path, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
