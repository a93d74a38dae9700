using System.Text.Json;
using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Safetensors;

/// <summary>Reads model.safetensors.index.json: the weight_map from tensor name to shard file.</summary>
internal static class ShardIndex
{
    /// <summary>The index's tensor → full shard path map, in file order; every shard path lies inside the index's folder.</summary>
    public static List<KeyValuePair<string, string>> ReadWeightMap(string indexPath)
    {
        byte[] bytes = ModelFile.ReadAllBytes(indexPath, SafetensorsCheckpoint.MaxHeaderLength);

        using (var document = StrictJson.Parse(indexPath, bytes))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(indexPath, $"is a JSON {root.ValueKind}, not an object");
            if (!root.TryGetProperty("weight_map", out var weightMap))
                throw new ModelFormatException(indexPath, "has no weight_map");
            if (weightMap.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(indexPath, $"weight_map is a JSON {weightMap.ValueKind}, not an object");

            var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
            var result = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in weightMap.EnumerateObject())
            {
                if (!seen.Add(item.Name))
                    throw new ModelFormatException(indexPath, $"weight_map names tensor '{item.Name}' twice");
                if (item.Value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(item.Value.GetString()))
                    throw new ModelFormatException(indexPath, $"weight_map entry for tensor '{item.Name}' is not a file name");
                var shard = item.Value.GetString()!;
                var shardPath = ModelFolderPath.Resolve(folder, shard);
                if (shardPath is null || shardPath == folder)
                    throw new ModelFormatException(indexPath, $"weight_map entry for tensor '{item.Name}' names shard '{shard}', not a file in the model folder");
                result.Add(new(item.Name, shardPath));
            }
            if (result.Count == 0)
                throw new ModelFormatException(indexPath, "weight_map lists no tensors");
            return result;
        }
    }
}
