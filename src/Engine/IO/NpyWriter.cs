using System.Runtime.InteropServices;

namespace Engine.IO;

/// <summary>
/// Writes an .npy array whose first dimension grows as rows are appended — tiles cut from a volume too large to
/// hold — and fixes the header's row count when disposed. numpy pads every header so that the first dimension
/// can grow to 21 digits in place, so the header keeps its length.
/// </summary>
/// <typeparam name="T">float, double, int, long or byte.</typeparam>
public sealed class NpyWriter<T> : IDisposable where T : unmanaged
{
    private readonly FileStream _stream;
    private readonly string _descr;
    private readonly int[] _rowShape;
    private readonly long _rowLength;
    private bool _disposed;

    /// <summary>Creates (or replaces) <paramref name="path"/> holding no rows yet.</summary>
    /// <param name="path">The .npy file.</param>
    /// <param name="rowShape">The shape of one row: the array is (rows, *rowShape).</param>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float, double, int, long or byte.</exception>
    /// <exception cref="ArgumentException">A dimension of <paramref name="rowShape"/> is negative.</exception>
    /// <exception cref="IOException">The file cannot be created.</exception>
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
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        _stream.Write(NpyFile.Header(_descr, [0, .. _rowShape]));
    }

    /// <summary>The file being written.</summary>
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

    /// <summary>Writes the final row count into the header and closes the file.</summary>
    /// <exception cref="IOException">More than 2³¹ − 1 rows were appended, or the file cannot be written.</exception>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        try
        {
            if (Rows > int.MaxValue)
                throw new IOException($"{Path} has {Rows} rows; Engine writes at most {int.MaxValue}.");
            _stream.Position = 0;
            _stream.Write(NpyFile.Header(_descr, [(int)Rows, .. _rowShape]));
        }
        finally
        {
            _stream.Dispose();
        }
    }
}
