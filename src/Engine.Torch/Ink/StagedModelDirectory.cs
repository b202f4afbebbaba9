namespace Engine.Torch.Ink;

/// <summary>
/// A training run's model directory, written in a hidden folder next to it (<c>.{name}.{random}.tmp</c>) and
/// published by <see cref="Publish"/> only when the run has finished: a run that fails halfway (a NaN, a corrupt
/// slice, a full disk) leaves the target as it was — an older model whole, or nothing — and a best-epoch checkpoint
/// saved before the failure is not mistaken for the run's result.
/// </summary>
/// <remarks>
/// Publishing moves each checkpoint's weights.bin, then its config.json, over the target's (<see cref="AtomicFileSet"/>);
/// files of the target the run does not write (a user's notes, an older <c>last/</c>) stay. A reader between the two
/// renames meets a config whose recorded length and checksum do not fit the weights: an error, never wrong weights.
/// </remarks>
internal sealed class StagedModelDirectory : IDisposable
{
    private readonly AtomicFileSet _parents = new();
    private bool _disposed;

    /// <summary>Creates the hidden folder next to <paramref name="target"/> (and the target's missing parents).</summary>
    public StagedModelDirectory(string target)
    {
        Target = System.IO.Path.GetFullPath(target);
        _parents.CreateFolder(System.IO.Path.GetDirectoryName(Target) ?? Target);
        Path = AtomicFile.TemporaryPathFor(Target);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The model directory the run publishes to.</summary>
    public string Target { get; }

    /// <summary>The hidden folder checkpoints are saved in meanwhile.</summary>
    public string Path { get; }

    /// <summary>Moves every checkpoint saved in <see cref="Path"/> (its root and the given subfolders) into <see cref="Target"/>.</summary>
    public void Publish(params string[] subfolders)
    {
        using var outputs = new AtomicFileSet();
        foreach (string sub in subfolders.Prepend(""))
        {
            string from = System.IO.Path.Combine(Path, sub), to = System.IO.Path.Combine(Target, sub);
            if (!File.Exists(System.IO.Path.Combine(from, InkCheckpoint.ConfigFile)))
                continue;
            outputs.CreateFolder(to);
            foreach (string file in new[] { InkCheckpoint.WeightsFile, InkCheckpoint.ConfigFile })
                File.Move(System.IO.Path.Combine(from, file), outputs.Stage(System.IO.Path.Combine(to, file)));
        }
        outputs.Commit();
        _parents.Commit();
    }

    /// <summary>Deletes the hidden folder, and, if nothing was published, the parents it created.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        _parents.Dispose();
    }
}
