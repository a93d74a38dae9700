using System.Text.RegularExpressions;

namespace EmbedRt.Loader.Hub;

/// <summary>A model repository on the Hugging Face hub, "ORG/NAME" (e.g. BAAI/bge-small-zh-v1.5).</summary>
public sealed partial record HubRepoId
{
    private HubRepoId(string owner, string name)
    {
        Owner = owner;
        Name = name;
    }

    /// <summary>The organization or user.</summary>
    public string Owner { get; }

    /// <summary>The repository name.</summary>
    public string Name { get; }

    /// <summary>The cache folder name Hugging Face tools use: models--ORG--NAME.</summary>
    public string CacheFolderName => $"models--{Owner}--{Name}";

    /// <inheritdoc />
    public override string ToString() => $"{Owner}/{Name}";

    /// <summary>Parses "ORG/NAME" with the hub's rules for names; null when the text is not one.</summary>
    public static HubRepoId? TryParse(string text)
    {
        var match = RepoPattern().Match(text);
        if (!match.Success) return null;
        string owner = match.Groups[1].Value, name = match.Groups[2].Value;
        if (owner.Contains("--") || name.Contains("--") || name.Contains("..") || owner.Contains("..")) return null;
        return new HubRepoId(owner, name);
    }

    /// <summary>Parses "ORG/NAME".</summary>
    /// <exception cref="ArgumentException">The text is not a hub repository id.</exception>
    public static HubRepoId Parse(string text) => TryParse(text)
        ?? throw new ArgumentException($"'{text}' is not a Hugging Face model id (ORG/NAME: letters, digits, '-', '_', '.', at most 96 characters)");

    [GeneratedRegex(@"^([A-Za-z0-9][A-Za-z0-9_.-]{0,95})/([A-Za-z0-9][A-Za-z0-9_.-]{0,95})$")]
    private static partial Regex RepoPattern();
}
