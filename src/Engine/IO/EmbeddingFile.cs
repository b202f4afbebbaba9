using System.Buffers.Binary;

namespace Engine.IO;

/// <summary>A matrix of embeddings: <see cref="Rows"/> × <see cref="Dimension"/> float32, row-major.</summary>
/// <param name="Data">The values, row-major.</param>
/// <param name="Rows">Number of embeddings.</param>
/// <param name="Dimension">Floats per embedding.</param>
public sealed record EmbeddingMatrix(float[] Data, int Rows, int Dimension);

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

    /// <summary>Reads an .fvecs file.</summary>
    /// <inheritdoc cref="Read(string)"/>
    public static EmbeddingMatrix ReadFvecs(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
            return new EmbeddingMatrix([], 0, 0);
        if (bytes.Length < 4)
            throw new InvalidDataException($"{path} is truncated: {bytes.Length} bytes, not even one vector's dimension.");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (dimension < 1)
            throw new InvalidDataException($"{path}: the first vector's dimension is {dimension}; it must be positive.");
        long record = 4 + 4L * dimension;
        if (bytes.Length % record != 0)
            throw new InvalidDataException($"{path} is {bytes.Length} bytes, not a whole number of {dimension}-dimensional vectors ({record} bytes each); the file is truncated or mixes dimensions.");
        int rows = (int)(bytes.Length / record);
        var data = new float[(long)rows * dimension];
        for (int r = 0; r < rows; r++)
        {
            int at = (int)(r * record);
            int d = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            if (d != dimension)
                throw new InvalidDataException($"{path}: vector {r} has dimension {d}, but the first has {dimension}.");
            for (int i = 0; i < dimension; i++)
                data[(long)r * dimension + i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 4 + 4 * i));
        }
        return new EmbeddingMatrix(data, rows, dimension);
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
