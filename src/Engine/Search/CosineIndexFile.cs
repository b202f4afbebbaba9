using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Engine.Search;

/// <summary>
/// The file <see cref="CosineIndex.Save"/> writes, little-endian: a 64-byte header — the magic
/// <c>"ENGINE-COSINE-INDEX\0"</c> (20 bytes), the format version (int32, now 1), the dimension (int32), the row count
/// (int64), flags (int32: 1 = normalize, 2 = ids, 4 = identities) and zeros to 64 bytes — then the rows
/// (row-major float32, as stored), then the ids (int64 per row) and the identities (int32 per row) when flagged.
/// Rows are stored unpacked, so the file does not depend on the micro-kernel's panel layout.
/// </summary>
public static class CosineIndexFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 1;

    private const int HeaderBytes = 64;

    /// <summary>Floats read per chunk on load (16 MB).</summary>
    private const int ChunkFloats = 1 << 22;
    private static ReadOnlySpan<byte> Magic => "ENGINE-COSINE-INDEX\0"u8;

    /// <summary>Writes <paramref name="index"/> to <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(CosineIndex index, string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), Version);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), index.Dimension);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(28), index.Count);
        int flags = (index.Normalize ? 1 : 0) | (index.HasIds ? 2 : 0) | (index.HasIdentities ? 4 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), flags);
        stream.Write(header);
        var row = new float[index.Dimension];
        for (long r = 0; r < index.Count; r++)
        {
            index.CopyRow(r, row);
            stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
        Span<byte> value = stackalloc byte[8];
        for (long r = 0; index.HasIds && r < index.Count; r++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, index.IdAt(r));
            stream.Write(value);
        }
        for (long r = 0; index.HasIdentities && r < index.Count; r++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(value, index.IdentityAt(r));
            stream.Write(value[..4]);
        }
    }

    /// <summary>Reads an index from <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not an index file, another format version, or truncated.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CosineIndex Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var header = new byte[HeaderBytes];
        if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header.AsSpan(0, 20).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a CosineIndex file (its first 20 bytes are not \"ENGINE-COSINE-INDEX\\0\").");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20));
        if (version != Version)
            throw new InvalidDataException($"{path} was written in CosineIndex format version {version}; this build reads version {Version} only.");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(24));
        long count = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(28));
        int flags = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(36));
        if (dimension < 1 || dimension > CosineIndex.MaxDimension || count < 0 || count > int.MaxValue || (flags & ~7) != 0)
            throw new InvalidDataException($"{path} has a corrupt header (dimension {dimension}, rows {count}, flags {flags}).");
        long expected = HeaderBytes + count * dimension * 4L + ((flags & 2) != 0 ? count * 8 : 0) + ((flags & 4) != 0 ? count * 4 : 0);
        if (stream.Length != expected)
            throw new InvalidDataException($"{path} is {stream.Length} bytes but its header ({count} rows of {dimension} floats, flags {flags}) needs {expected}; the file is truncated or corrupt.");
        // Ids and identities first (they follow the rows), then the rows in chunks, so an index larger than a .NET
        // array loads. Rows were stored normalized already: the loaded index normalizes only new rows and queries.
        var ids = (flags & 2) != 0 ? new long[count] : [];
        var identities = (flags & 4) != 0 ? new int[count] : [];
        stream.Position = HeaderBytes + count * dimension * 4L;
        stream.ReadExactly(MemoryMarshal.AsBytes(ids.AsSpan()));
        stream.ReadExactly(MemoryMarshal.AsBytes(identities.AsSpan()));
        stream.Position = HeaderBytes;
        var index = new CosineIndex(dimension, normalize: (flags & 1) != 0);
        int chunkRows = Math.Max(1, ChunkFloats / dimension);
        var rows = new float[(long)Math.Min(count, chunkRows) * dimension];
        for (long first = 0; first < count; first += chunkRows)
        {
            int n = (int)Math.Min(chunkRows, count - first);
            var chunk = rows.AsSpan(0, n * dimension);
            stream.ReadExactly(MemoryMarshal.AsBytes(chunk));
            index.AddStored(chunk, ids.AsSpan((int)Math.Min(first, ids.Length), ids.Length == 0 ? 0 : n),
                identities.AsSpan((int)Math.Min(first, identities.Length), identities.Length == 0 ? 0 : n));
        }
        return index;
    }
}
