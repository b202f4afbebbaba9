using System.Buffers.Binary;

namespace Engine.IO;

/// <summary>
/// Reads embeddings from a 2D NumPy <c>.npy</c> (float32, or float16/float64/integers converted to float32) or a
/// <c>.fvecs</c> file (the TEXMEX/FAISS format: per vector an int32 dimension, then that many float32).
/// </summary>
public static class EmbeddingFile
{
    /// <summary>Reads <paramref name="path"/>, choosing the format by extension.</summary>
    /// <param name="path">A .npy or .fvecs file.</param>
    /// <returns>The embeddings.</returns>
    /// <exception cref="InvalidDataException">The file is truncated or malformed, an .npy is not 2D, or an .fvecs changes dimension; the message names the file.</exception>
    /// <exception cref="NotSupportedException">The extension is neither .npy nor .fvecs, or the .npy holds an unsupported dtype.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static EmbeddingMatrix Read(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".fvecs")
            return ReadFvecs(path);
        if (extension != ".npy")
            throw new NotSupportedException($"{path}: embeddings must be a .npy or .fvecs file.");
        var array = NpyFile.ReadFloat32(path);
        if (array.Shape.Length != 2)
            throw new InvalidDataException($"{path} holds an array of shape ({string.Join(", ", array.Shape)}); embeddings must be 2D (rows, dimension).");
        return new EmbeddingMatrix(array.Data, array.Shape[0], array.Shape[1]);
    }

    /// <summary>The largest dimension an .fvecs record may declare (2^20 floats); a larger one is taken as corruption.</summary>
    public const int MaxFvecsDimension = 1 << 20;

    /// <summary>Reads an .fvecs file.</summary>
    /// <remarks>
    /// Every record must declare the first record's dimension, from 1 to <see cref="MaxFvecsDimension"/>, and the
    /// file must hold whole records; all of this is checked from the file's length and the dimension fields
    /// before the values are allocated.
    /// </remarks>
    /// <inheritdoc cref="Read(string)"/>
    public static EmbeddingMatrix ReadFvecs(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        long length = stream.Length;
        if (length == 0)
            return new EmbeddingMatrix([], 0, 0);
        Span<byte> word = stackalloc byte[4];
        if (stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
            throw new InvalidDataException($"{path} is truncated: {length} bytes, not even one vector's dimension.");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(word);
        if (dimension < 1 || dimension > MaxFvecsDimension)
            throw new InvalidDataException(
                $"{path}: the first vector's dimension is {dimension}; Engine reads dimensions from 1 to {MaxFvecsDimension:N0}, so the file is corrupt or not .fvecs.");
        long record = 4 + 4L * dimension;
        if (length < record)
            throw new InvalidDataException($"{path} is truncated: its first {dimension}-dimensional vector needs {record} bytes, the file has {length}.");
        long rows = length / record;
        if (length % record != 0)
        {
            // Name the first record whose dimension field disagrees, if any, rather than just the length.
            for (long r = 1; r <= rows; r++)
            {
                stream.Position = r * record;
                if (stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
                    break;
                int d = BinaryPrimitives.ReadInt32LittleEndian(word);
                if (d != dimension)
                    throw new InvalidDataException($"{path}: vector {r} has dimension {d}, but the first has {dimension}.");
            }
            throw new InvalidDataException(
                $"{path} is {length} bytes, not a whole number of {dimension}-dimensional vectors ({record} bytes each): it is truncated after {rows} vectors.");
        }
        if (rows * dimension > Array.MaxLength)
            throw new NotSupportedException($"{path} holds {rows:N0} × {dimension} values; a .NET array holds at most {Array.MaxLength:N0}.");

        stream.Position = 0;
        var data = new float[rows * dimension];
        var bytes = new byte[record];
        for (long r = 0; r < rows; r++)
        {
            stream.ReadExactly(bytes);
            int d = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            if (d != dimension)
                throw new InvalidDataException($"{path}: vector {r} has dimension {d}, but the first has {dimension}.");
            for (int i = 0; i < dimension; i++)
                data[r * dimension + i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 + 4 * i));
        }
        return new EmbeddingMatrix(data, (int)rows, dimension);
    }

    /// <summary>Writes an .fvecs file (for tests and for handing data to FAISS's tools).</summary>
    /// <param name="path">The file.</param>
    /// <param name="data">Row-major values.</param>
    /// <param name="dimension">Floats per vector.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteFvecs(string path, ReadOnlySpan<float> data, int dimension)
    {
        using var stream = File.Create(path);
        Span<byte> word = stackalloc byte[4];
        for (int r = 0; r < data.Length / dimension; r++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(word, dimension);
            stream.Write(word);
            for (int i = 0; i < dimension; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(word, data[r * dimension + i]);
                stream.Write(word);
            }
        }
    }
}
