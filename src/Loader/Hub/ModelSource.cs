using EmbedRt.Loader.Hub;

namespace EmbedRt.Loader;

/// <summary>
/// What a user names as "the model": a folder on disk, or a Hugging Face id resolved through the hub cache.
/// Front ends (CLI, server) call <see cref="Resolve"/> once and pass the folder to the loaders.
/// </summary>
public static class ModelSource
{
    /// <summary>
    /// The folder for <paramref name="model"/>: itself when it is an existing folder, else the hub snapshot of the
    /// ORG/NAME id it names (see <see cref="HubModelResolver.Resolve"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Neither an existing folder nor an ORG/NAME id.</exception>
    /// <exception cref="HubException">The hub could not provide it.</exception>
    public static string Resolve(string model, string? revision = null, HubOptions? options = null)
    {
        if (Directory.Exists(model))
        {
            if (revision is not null) throw new ArgumentException($"--revision applies to hub models; '{model}' is a local folder");
            return model;
        }
        if (HubRepoId.TryParse(model) is null || model.StartsWith('.'))
            throw new ArgumentException($"'{model}': no such folder, and not a Hugging Face model id (ORG/NAME)");
        return HubModelResolver.Resolve(model, revision, options);
    }
}
