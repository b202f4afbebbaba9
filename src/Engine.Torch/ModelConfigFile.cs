namespace Engine.Torch;

/// <summary>The <c>config.json</c> that makes a folder a model directory, for the ink and identity checkpoints alike.</summary>
internal static class ModelConfigFile
{
    /// <summary>The file's name.</summary>
    public const string Name = "config.json";

    /// <summary>The config file's path in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">It has no config.json.</exception>
    public static string In(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"The model directory {directory} does not exist.");
        string path = Path.Combine(directory, Name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{directory} is not a model directory: it has no {Name}.", path);
        return path;
    }
}
