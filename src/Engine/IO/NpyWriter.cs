namespace Engine.IO;

/// <summary>
/// Writes an .npy array whose first dimension grows as rows are appended — tiles cut from a volume too large to
/// hold — and fixes the header's row count on <see cref="Complete"/>. numpy pads every header so that the first
/// dimension can grow to 21 digits in place, so the header keeps its length.
/// </summary>
/// <remarks>
/// The rows go to a temporary file next to <see cref="Path"/> (<see cref="AtomicFile"/>), renamed over it by
/// <see cref="Complete"/>: disposing the writer uncompleted — an error while the rows were produced — deletes the
/// temporary, so no header-only or partial array is ever left at <see cref="Path"/>, and a file already there is untouched.
/// </remarks>
/// <typeparam name="T">float, double, int, long or byte.</typeparam>
public sealed class NpyWriter<T> : IDisposable where T : unmanaged
{
    private readonly AtomicFile _file;
    private readonly FileStream _stream;
    private readonly string _descr;
    private readonly int[] _rowShape;
    private readonly long _rowLength;
    private bool _disposed;

    /// <summary>Starts an array of no rows yet that <see cref="Complete"/> writes to (or replaces) <paramref name="path"/>.</summary>
    /// <param name="path">The .npy file.</param>
    /// <param name="rowShape">The shape of one row: the array is (rows, *rowShape).</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double, int, long or byte.</exception>
    /// <exception cref="ArgumentException">A dimension of <paramref name="rowShape"/> is negative.</exception>
    /// <exception cref="IOException">The temporary file cannot be created in <paramref name="path"/>'s folder.</exception>
    public NpyWriter(string path, ReadOnlySpan<int> rowShape)
    {
        _descr = typeof(T) == typeof(float) ? "<f4" : typeof(T) == typeof(double) ? "<f8" : typeof(T) == typeof(int) ? "<i4"
            : typeof(T) == typeof(long) ? "<i8" : typeof(T) == typeof(byte) ? "|u1"
            : throw new NotSupportedException($"NpyWriter writes float, double, int, long or byte, not {typeof(T).Name}.");
        foreach (int dim in rowShape)
        {
            if (dim < 0)
                throw new ArgumentException($"The row shape for {path} has a negative dimension.", nameof(rowShape));
        }
        Path = path;
        _rowShape = rowShape.ToArray();
        _rowLength = _rowShape.Aggregate(1L, (a, b) => a * b);
        _file = AtomicFile.Create(path);
        _stream = _file.Stream;
        _stream.Write(NpyFile.Header(_descr, [0, .. _rowShape]));
    }

    /// <summary>The file <see cref="Complete"/> writes.</summary>
    public string Path { get; }

    /// <summary>Rows appended so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Appends whole rows.</summary>
    /// <param name="rows">A multiple of the row length, in C order.</param>
    /// <exception cref="ArgumentException">The length is not a whole number of rows.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Append(ReadOnlySpan<T> rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_rowLength == 0 ? !rows.IsEmpty : rows.Length % _rowLength != 0)
            throw new ArgumentException($"{rows.Length} values are not whole rows of {_rowLength} for {Path}.", nameof(rows));
        _stream.Write(MemoryMarshal.AsBytes(rows));
        Rows += _rowLength == 0 ? 0 : rows.Length / _rowLength;
    }

    /// <summary>Writes the final row count into the header and renames the finished file to <see cref="Path"/>.</summary>
    /// <exception cref="IOException">More than 2³¹ − 1 rows were appended, or the file cannot be written; nothing is left at <see cref="Path"/>.</exception>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _disposed = true;
        using (_file)
        {
            if (Rows > int.MaxValue)
                throw new IOException($"{Path} has {Rows} rows; Engine writes at most {int.MaxValue}.");
            _stream.Position = 0;
            _stream.Write(NpyFile.Header(_descr, [(int)Rows, .. _rowShape]));
            _file.Commit();
        }
    }

    /// <summary>Closes the writer; unless <see cref="Complete"/>d, deletes the temporary file and leaves <see cref="Path"/> as it was.</summary>
    public void Dispose()
    {
        _disposed = true;
        _file.Dispose();
    }
}
