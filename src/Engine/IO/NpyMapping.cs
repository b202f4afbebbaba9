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
    private readonly int _count;

    internal NpyMapping(FileStream stream, NpyHeader header, long dataOffset, int count)
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

    /// <summary>The values of a float32 file, in C order.</summary>
    /// <exception cref="InvalidOperationException">The file holds float64.</exception>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public ReadOnlySpan<float> Float32 => Values<float>(NpyDtype.Float32);

    /// <summary>The values of a float64 file, in C order.</summary>
    /// <exception cref="InvalidOperationException">The file holds float32.</exception>
    /// <exception cref="ObjectDisposedException">The mapping was disposed.</exception>
    public ReadOnlySpan<double> Float64 => Values<double>(NpyDtype.Float64);

    private ReadOnlySpan<T> Values<T>(NpyDtype dtype)
        where T : unmanaged
    {
        if (Header.Dtype != dtype)
            throw new InvalidOperationException($"The mapped file holds {Header.Dtype}, not {dtype}.");
        if (_count == 0)
            return [];
        ObjectDisposedException.ThrowIf(_data == null, this);
        return new ReadOnlySpan<T>(_data, _count);
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
