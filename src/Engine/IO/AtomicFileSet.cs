namespace Engine.IO;

/// <summary>
/// The outputs of one job, published together: each is written under a temporary name from <see cref="Stage"/>
/// (next to its target, as <see cref="AtomicFile"/> names them) and <see cref="Commit"/> renames them all, in the
/// order staged; disposing the set uncommitted deletes every temporary, so a job that fails halfway leaves none of
/// its outputs and every file already at a target untouched.
/// </summary>
/// <remarks>
/// Each rename is atomic, the set is not: a rename that fails during <see cref="Commit"/> (a target turned into a
/// folder meanwhile) leaves the earlier ones done. Stage data files before the files that describe them (a
/// checkpoint's weights before its config) so that a reader between two renames meets the old description.
/// </remarks>
public sealed class AtomicFileSet : IDisposable
{
    private readonly List<(string Temporary, string Target)> _files = [];
    private readonly List<string> _folders = [];
    private bool _committed;

    /// <summary>A temporary path to write <paramref name="target"/>'s content to; same folder, same extension.</summary>
    /// <param name="target">The file to create or replace on <see cref="Commit"/>.</param>
    /// <returns>The temporary path (nothing is created there yet).</returns>
    /// <exception cref="IOException"><paramref name="target"/> is a folder, or is staged already.</exception>
    public string Stage(string target)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        string full = Path.GetFullPath(target);
        if (Directory.Exists(full))
            throw new IOException($"{full} is a folder; it cannot be replaced by a file.");
        if (_files.Any(f => f.Target == full))
            throw new IOException($"{full} is given as two outputs of one command.");
        string temporary = AtomicFile.TemporaryPathFor(full);
        _files.Add((temporary, full));
        return temporary;
    }

    /// <summary>Creates <paramref name="folder"/> (and missing parents) for outputs; if the set is disposed uncommitted, the folders it created are removed again while empty.</summary>
    /// <param name="folder">The output folder.</param>
    /// <exception cref="IOException">The folder cannot be created.</exception>
    public void CreateFolder(string folder)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        var missing = new List<string>();
        for (string? f = Path.GetFullPath(folder); f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f))
            missing.Add(f);
        Directory.CreateDirectory(folder);
        _folders.AddRange(missing);
    }

    /// <summary>Renames every staged file that was written over its target, in the order staged.</summary>
    /// <exception cref="IOException">A rename failed; the temporaries not yet renamed are deleted.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _committed = true;
        try
        {
            foreach (var (temporary, target) in _files)
            {
                if (File.Exists(temporary))
                    File.Move(temporary, target, overwrite: true);
            }
        }
        finally
        {
            foreach (var (temporary, _) in _files)
                AtomicFile.DeleteQuietly(temporary);
        }
    }

    /// <summary>Deletes every temporary file not committed, and the folders <see cref="CreateFolder"/> created if they are empty.</summary>
    public void Dispose()
    {
        if (_committed)
            return;
        _committed = true;
        foreach (var (temporary, _) in _files)
            AtomicFile.DeleteQuietly(temporary);
        // Deepest first: the folders were listed from the output folder up.
        foreach (string folder in _folders)
        {
            try
            {
                if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
                    Directory.Delete(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
