using System.Text.Json;
using EmbedRt.Loader.Json;

namespace EmbedRt.Loader.Config;

/// <summary>
/// The sentence-transformers files of a folder: modules.json, the Pooling module's config, sentence_bert_config.json,
/// whether a Normalize module is listed, and config_sentence_transformers.json.
/// </summary>
public sealed record SentenceTransformersConfig
{
    /// <summary>The modules, in pipeline order.</summary>
    public IReadOnlyList<SentenceTransformersModule> Modules { get; init; } = [];

    /// <summary>The modules' types, in pipeline order.</summary>
    public IReadOnlyList<string> ModuleTypes { get; init; } = [];

    /// <summary>The Pooling module's config; null when modules.json lists no Pooling module.</summary>
    public PoolingConfig? Pooling { get; init; }

    /// <summary>sentence_bert_config.json max_seq_length; null when absent.</summary>
    public int? MaxSeqLength { get; init; }

    /// <summary>sentence_bert_config.json do_lower_case (default false): lower-case text before tokenizing.</summary>
    public bool DoLowerCase { get; init; }

    /// <summary>Whether modules.json lists a sentence_transformers.models.Normalize module.</summary>
    public bool Normalize { get; init; }

    /// <summary>config_sentence_transformers.json prompts: name → text prefixed to inputs.</summary>
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();

    /// <summary>config_sentence_transformers.json default_prompt_name; when set, a key of <see cref="Prompts"/>.</summary>
    public string? DefaultPromptName { get; init; }

    /// <summary>
    /// Reads the folder's sentence-transformers files; null when it has no modules.json. sentence_bert_config.json and
    /// config_sentence_transformers.json are optional; the Pooling module's config.json must exist when one is listed.
    /// Throws <see cref="ModelFormatException"/> naming the file and field when one is malformed.
    /// </summary>
    public static SentenceTransformersConfig? Load(string directory)
    {
        var modulesPath = Path.Combine(directory, "modules.json");
        using var modulesDocument = JsonConfigFile.TryParse(modulesPath);
        if (modulesDocument is null) return null;
        var modules = ReadModules(modulesPath, modulesDocument);

        var pooling = modules.FirstOrDefault(m => m.Type == SentenceTransformersModule.PoolingType) is { } poolingModule
            ? PoolingConfig.Load(Path.Combine(ModuleFolder(directory, modulesPath, poolingModule), "config.json"))
            : null;

        int? maxSeqLength = null;
        bool doLowerCase = false;
        var bertConfigPath = Path.Combine(directory, "sentence_bert_config.json");
        using (var bertDocument = JsonConfigFile.TryParse(bertConfigPath))
        {
            if (bertDocument is not null)
            {
                var fields = JsonConfigFile.RootObject(bertConfigPath, bertDocument);
                maxSeqLength = fields.OptionalPositiveInt("max_seq_length");
                doLowerCase = fields.OptionalBool("do_lower_case") ?? false;
            }
        }

        IReadOnlyDictionary<string, string> prompts = new Dictionary<string, string>();
        string? defaultPromptName = null;
        var stConfigPath = Path.Combine(directory, "config_sentence_transformers.json");
        using (var stDocument = JsonConfigFile.TryParse(stConfigPath))
        {
            if (stDocument is not null)
            {
                var fields = JsonConfigFile.RootObject(stConfigPath, stDocument);
                prompts = fields.OptionalStringMap("prompts");
                defaultPromptName = fields.OptionalString("default_prompt_name");
                if (defaultPromptName is not null && !prompts.ContainsKey(defaultPromptName))
                    throw fields.Error("default_prompt_name", $"'{defaultPromptName}' is not one of the prompts");
            }
        }

        return new SentenceTransformersConfig
        {
            Modules = modules,
            ModuleTypes = modules.Select(m => m.Type).ToList(),
            Pooling = pooling,
            MaxSeqLength = maxSeqLength,
            DoLowerCase = doLowerCase,
            Normalize = modules.Any(m => m.Type == SentenceTransformersModule.NormalizeType),
            Prompts = prompts,
            DefaultPromptName = defaultPromptName,
        };
    }

    private static List<SentenceTransformersModule> ReadModules(string modulesPath, JsonDocument document)
    {
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(modulesPath, $"expected a JSON list of modules, found a JSON {root.ValueKind}");
        var modules = new List<SentenceTransformersModule>();
        int index = 0;
        foreach (var item in root.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(modulesPath, $"module [{index}] is a JSON {item.ValueKind}, not an object");
            var fields = new JsonFields(modulesPath, item, $"[{index}].");
            modules.Add(new SentenceTransformersModule(
                fields.OptionalString("name") ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                fields.RequiredString("type"),
                fields.OptionalString("path") ?? ""));
            index++;
        }
        return modules;
    }

    /// <summary>The module's folder, refusing paths that leave the model folder.</summary>
    private static string ModuleFolder(string directory, string modulesPath, SentenceTransformersModule module) =>
        ModelFolderPath.Resolve(directory, module.Path)
        ?? throw new ModelFormatException(modulesPath, $"module '{module.Name}' has path '{module.Path}', not a folder inside the model folder");
}
