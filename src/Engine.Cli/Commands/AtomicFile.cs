namespace Engine.Cli.Commands;

/// <summary>Writes a whole file under a temporary name beside it and renames it on success, so a reader never sees half a file.</summary>
internal static class AtomicFile
{
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = path + $".tmp-{Environment.ProcessId}";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
                file.Write(bytes);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string temporary = path + $".tmp-{Environment.ProcessId}";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
                write(file);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Lets <paramref name="write"/> write a temporary file beside <paramref name="path"/>, then renames it.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteVia(string path, Action<string> write)
    {
        string temporary = path + $".tmp-{Environment.ProcessId}";
        try
        {
            write(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
