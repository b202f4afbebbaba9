using System.IO.MemoryMappedFiles;

namespace Engine.IO;

/// <summary>
/// A float32 or float64 .npy file's data mapped into memory (<see cref="NpyFile.Map"/>): the values are read from
/// the file's pages as they are touched, with no copy into an array. The spans stay valid until disposal.
/// </summary>
public sealed unsafe class NpyMapping : IDisposable
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _data;
    private readonly long _count;

    internal NpyMapping(FileStream stream, NpyHeader header, long dataOffset, long count)
    {
        Header = header;
        _count = count;
        if (count == 0)
        {
            // A view of no bytes cannot be mapped; there is nothing to read.
            stream.Dispose();
            return;
        }
        try
        {
            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            _view = _file.CreateViewAccessor(dataOffset, stream.Length - dataOffset, MemoryMappedFileAccess.Read);
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _data);
            _data += _view.PointerOffset;
        }
        catch
        {
            Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The file's dtype and shape.</summary>
    public NpyHeader Header { get; }

    /// <summary>The number of values.</summary>
    public long Count => _count;

    /// <summary>The values of a float32 file, in C order.</summary>
    /// <exception cref="InvalidOperationException">The file holds float64.</exception>
    /// <exception cref="NotSupportedException">The file holds more than <see cref="int.MaxValue"/> values (one span cannot show them; use <see cref="Float32Range"/>).</exception>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public ReadOnlySpan<float> Float32 => Values<float>(NpyDtype.Float32, 0, AllValues());

    /// <summary>The values of a float64 file, in C order.</summary>
    /// <exception cref="InvalidOperationException">The file holds float32.</exception>
    /// <exception cref="NotSupportedException">The file holds more than <see cref="int.MaxValue"/> values.</exception>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public ReadOnlySpan<double> Float64 => Values<double>(NpyDtype.Float64, 0, AllValues());

    /// <summary>Values <paramref name="start"/> … <paramref name="start"/> + <paramref name="length"/> − 1 of a float32 file, of any size.</summary>
    /// <exception cref="InvalidOperationException">The file holds float64.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the file's values.</exception>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public ReadOnlySpan<float> Float32Range(long start, int length) => Values<float>(NpyDtype.Float32, start, length);

    private int AllValues() => _count <= int.MaxValue ? (int)_count
        : throw new NotSupportedException($"The mapped file holds {_count} values; a span holds at most {int.MaxValue}, so read it by ranges.");

    private ReadOnlySpan<T> Values<T>(NpyDtype dtype, long start, int length)
        where T : unmanaged
    {
        if (Header.Dtype != dtype)
            throw new InvalidOperationException($"The mapped file holds {Header.Dtype}, not {dtype}.");
        if (start < 0 || length < 0 || start + length > _count)
            throw new ArgumentOutOfRangeException(nameof(start), $"Values {start} … {start + length - 1} are outside the file's {_count}.");
        if (length == 0)
            return [];
        ObjectDisposedException.ThrowIf(_data == null, this);
        return new ReadOnlySpan<T>((T*)_data + start, length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_data != null)
        {
            _data = null;
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _file?.Dispose();
    }
}
