namespace Engine.IO;

/// <summary>
/// A file that appears whole or not at all: it is written under a hidden temporary name in the target's folder
/// (<c>.{name}.{random}.tmp{extension}</c>) and renamed over the target by <see cref="Commit"/>; disposing it
/// uncommitted — an exception on the way — deletes the temporary, so a failed write leaves nothing new and a file
/// already at the target untouched.
/// </summary>
/// <remarks>
/// The rename is <see cref="File.Move(string, string, bool)"/> with overwrite, an atomic rename(2) within one
/// folder on POSIX file systems: a reader sees the old file or the new one, never a part. The temporary keeps the
/// target's extension at its end, so a writer that picks its format by extension (<see cref="MapFile"/>) picks the
/// same one. Protection is against errors and killed processes (a killed process can leave a hidden .tmp, never
/// a half-written target), not against power loss: nothing is fsynced, which would cost every output a disk flush.
/// </remarks>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;
    private bool _disposed;

    private AtomicFile(string path, string temporaryPath, FileStream stream)
    {
        Path = path;
        TemporaryPath = temporaryPath;
        Stream = stream;
    }

    /// <summary>The file that <see cref="Commit"/> creates or replaces.</summary>
    public string Path { get; }

    /// <summary>Where the bytes are written until <see cref="Commit"/>.</summary>
    public string TemporaryPath { get; }

    /// <summary>The temporary file, open for writing (and reading, for writers that seek back).</summary>
    public FileStream Stream { get; }

    /// <summary>Creates an empty temporary file next to <paramref name="path"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="bufferSize">The stream's buffer in bytes.</param>
    /// <returns>The file; write to <see cref="Stream"/>, then call <see cref="Commit"/>.</returns>
    /// <exception cref="IOException">The folder does not exist or cannot be written, or <paramref name="path"/> is a folder.</exception>
    public static AtomicFile Create(string path, int bufferSize = 4096)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new IOException($"{path} is a folder; it cannot be replaced by a file.");
        string temporary = TemporaryPathFor(path);
        // CreateNew: never clobber another writer's temporary, however unlikely the same random name.
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize);
        return new AtomicFile(path, temporary, stream);
    }

    /// <summary>Writes <paramref name="path"/> atomically: <paramref name="write"/> fills the stream, then it is committed.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the whole content; any exception it throws leaves nothing behind and propagates.</param>
    /// <param name="bufferSize">The stream's buffer in bytes.</param>
    /// <exception cref="IOException">The file cannot be written or renamed.</exception>
    public static void Write(string path, Action<FileStream> write, int bufferSize = 4096)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = Create(path, bufferSize);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>Writes <paramref name="lines"/>, each ending in "\n", as UTF-8 without a byte-order mark, atomically.</summary>
    /// <param name="path">The file to write; its folder must exist.</param>
    /// <param name="lines">The lines.</param>
    /// <exception cref="IOException">The file cannot be written or renamed.</exception>
    public static void WriteAllLines(string path, IEnumerable<string> lines) => Write(path, stream =>
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        foreach (string line in lines)
            writer.WriteLine(line);
    });

    /// <summary>
    /// A fresh hidden name in <paramref name="path"/>'s folder for a temporary stand-in of it:
    /// <c>.{name}.{random}.tmp{extension}</c>.
    /// </summary>
    /// <param name="path">The target file or folder.</param>
    /// <returns>The temporary's full path.</returns>
    public static string TemporaryPathFor(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        string folder = System.IO.Path.GetDirectoryName(full) ?? throw new IOException($"{path} has no parent folder to write a temporary file in.");
        string name = System.IO.Path.GetFileName(full);
        string random = System.IO.Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)[..8];
        return System.IO.Path.Combine(folder, $".{name}.{random}.tmp{System.IO.Path.GetExtension(name)}");
    }

    /// <summary>Flushes and closes the temporary file and renames it over <see cref="Path"/>.</summary>
    /// <exception cref="IOException">The rename failed; the temporary is deleted and the target untouched.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Stream.Dispose();
        File.Move(TemporaryPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the stream and, unless committed, deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        Stream.Dispose();
        if (!_committed)
            DeleteQuietly(TemporaryPath);
    }

    /// <summary>Deletes a file if it is there; a failure to delete must not hide the error that led here.</summary>
    internal static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
