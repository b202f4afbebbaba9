using Engine.IO;

namespace Engine.Cluster.Knn;

/// <summary>
/// The rows of a database file, handed out a range at a time so that loading an index holds only one message of
/// them: a float32 .npy is memory-mapped (any size; the page cache holds what was read), any other file (.fvecs,
/// other dtypes) is read into one array (at most <see cref="Array.MaxLength"/> floats).
/// </summary>
public sealed class DatabaseRows : IDisposable
{
    private readonly NpyMapping? _mapping;
    private readonly float[]? _values;

    private DatabaseRows(NpyMapping? mapping, float[]? values, long rows, int dimension) =>
        (_mapping, _values, Rows, Dimension) = (mapping, values, rows, dimension);

    /// <summary>Rows in the file.</summary>
    public long Rows { get; }

    /// <summary>Floats per row.</summary>
    public int Dimension { get; }

    /// <summary>Opens a .npy or .fvecs file of embeddings.</summary>
    /// <exception cref="InvalidDataException">The file is malformed or an .npy is not 2D (the message names it).</exception>
    /// <exception cref="NotSupportedException">The extension or the dtype is not an embedding file's.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DatabaseRows Open(string path)
    {
        if (Path.GetExtension(path).Equals(".npy", StringComparison.OrdinalIgnoreCase) && NpyFile.ReadHeader(path) is { Dtype: NpyDtype.Float32, Shape.Length: 2 } header)
            return new DatabaseRows(NpyFile.Map(path), null, header.Shape[0], header.Shape[1]);
        var matrix = EmbeddingFile.Read(path);
        return FromArray(matrix.Data, matrix.Dimension);
    }

    /// <summary>Rows already in memory, row-major.</summary>
    public static DatabaseRows FromArray(float[] values, int dimension) => new(null, values, values.LongLength / dimension, dimension);

    /// <summary>Rows <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1, row-major; valid until disposal.</summary>
    public ReadOnlySpan<float> Read(long first, int count)
    {
        long start = first * Dimension;
        int length = checked(count * Dimension);
        return _mapping is not null ? _mapping.Float32Range(start, length) : _values.AsSpan(checked((int)start), length);
    }

    /// <inheritdoc />
    public void Dispose() => _mapping?.Dispose();
}
