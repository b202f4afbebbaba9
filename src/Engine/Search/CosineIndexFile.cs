using System.Buffers.Binary;
using System.IO.Hashing;
using Engine.IO;

namespace Engine.Search;

/// <summary>
/// The file <see cref="CosineIndex.Save"/> writes, little-endian: a 64-byte header — the magic
/// <c>"ENGINE-COSINE-INDEX\0"</c> (20 bytes), the format version (int32, now 2), the dimension (int32), the row count
/// (int64), flags (int32: 1 = normalize, 2 = ids, 4 = identities), the XXH3-64 checksum (uint64, version 2) of the
/// header's first 40 bytes and of everything after the header, and zeros to 64 bytes — then the rows (row-major
/// float32, as stored), then the ids (int64 per row) and the identities (int32 per row) when flagged.
/// Rows are stored unpacked, so the file does not depend on the micro-kernel's panel layout.
/// </summary>
/// <remarks>
/// Version 2 added the checksum: a flipped byte in a row, an id or the flags changes search results without
/// changing the file's length, which is all version 1 could check. Version 1 files are still read (their length and
/// header are checked), since an index can be costly to rebuild; save one again to add the checksum.
/// </remarks>
public static class CosineIndexFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int Version = 2;

    /// <summary>The first version, without a checksum; still read.</summary>
    private const int VersionWithoutChecksum = 1;

    /// <summary>Header bytes the checksum covers (magic, version, dimension, rows, flags); the checksum follows them.</summary>
    private const int ChecksummedHeaderBytes = 40;

    private const int HeaderBytes = 64;

    /// <summary>Floats read per chunk on load (16 MB).</summary>
    private const int ChunkFloats = 1 << 22;
    private static ReadOnlySpan<byte> Magic => "ENGINE-COSINE-INDEX\0"u8;

    /// <summary>Writes <paramref name="index"/> to <paramref name="path"/>, whole or not at all (<see cref="AtomicFile"/>).</summary>
    /// <exception cref="IOException">The file cannot be written; nothing is left at <paramref name="path"/> and a file already there is unchanged.</exception>
    public static void Write(CosineIndex index, string path)
    {
        using var file = AtomicFile.Create(path, 1 << 20);
        var stream = file.Stream;
        var header = new byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20), Version);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), index.Dimension);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(28), index.Count);
        int flags = (index.Normalize ? 1 : 0) | (index.HasIds ? 2 : 0) | (index.HasIdentities ? 4 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(36), flags);
        // The checksum is filled in last: the header is written now to reserve its place.
        stream.Write(header);
        var checksum = new XxHash3();
        checksum.Append(header.AsSpan(0, ChecksummedHeaderBytes));
        var row = new float[index.Dimension];
        for (long r = 0; r < index.Count; r++)
        {
            index.CopyRow(r, row);
            var bytes = MemoryMarshal.AsBytes(row.AsSpan());
            checksum.Append(bytes);
            stream.Write(bytes);
        }
        Span<byte> value = stackalloc byte[8];
        for (long r = 0; index.HasIds && r < index.Count; r++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(value, index.IdAt(r));
            checksum.Append(value);
            stream.Write(value);
        }
        for (long r = 0; index.HasIdentities && r < index.Count; r++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(value, index.IdentityAt(r));
            checksum.Append(value[..4]);
            stream.Write(value[..4]);
        }
        BinaryPrimitives.WriteUInt64LittleEndian(value, checksum.GetCurrentHashAsUInt64());
        stream.Position = ChecksummedHeaderBytes;
        stream.Write(value);
        file.Commit();
    }

    /// <summary>Reads an index from <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not an index file, another format version, a header out of range, a length other than the header's, (version 2) a checksum that does not match, or (version 1) a row that is not finite or a negative identity; the message names the file and the field.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static CosineIndex Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var header = new byte[HeaderBytes];
        if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes || !header.AsSpan(0, 20).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not a CosineIndex file (its first 20 bytes are not \"ENGINE-COSINE-INDEX\\0\").");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20));
        if (version is not (Version or VersionWithoutChecksum))
            throw new InvalidDataException($"{path} was written in CosineIndex format version {version}; this build reads versions {VersionWithoutChecksum} and {Version}.");
        int dimension = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(24));
        long count = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(28));
        int flags = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(36));
        if (dimension < 1 || dimension > CosineIndex.MaxDimension)
            throw new InvalidDataException($"{path} has a corrupt header: dimension {dimension} is outside 1 … {CosineIndex.MaxDimension}.");
        if (count < 0 || count > int.MaxValue)
            throw new InvalidDataException($"{path} has a corrupt header: the row count {count} is outside 0 … {int.MaxValue}.");
        if ((flags & ~7) != 0)
            throw new InvalidDataException($"{path} has a corrupt header: flags {flags} set bits other than 1 (normalize), 2 (ids), 4 (identities).");
        int zerosFrom = version == Version ? ChecksummedHeaderBytes + sizeof(ulong) : ChecksummedHeaderBytes;
        if (header.AsSpan(zerosFrom).ContainsAnyExcept((byte)0))
            throw new InvalidDataException($"{path} has a corrupt header: its reserved bytes {zerosFrom} … {HeaderBytes - 1} are not zero.");
        long expected = HeaderBytes + count * dimension * 4L + ((flags & 2) != 0 ? count * 8 : 0) + ((flags & 4) != 0 ? count * 4 : 0);
        if (stream.Length != expected)
            throw new InvalidDataException($"{path} is {stream.Length} bytes but its header ({count} rows of {dimension} floats, flags {flags}) needs {expected}; the file is truncated or corrupt.");
        // Ids and identities first (they follow the rows), then the rows in chunks, so an index larger than a .NET
        // array loads. Rows were stored normalized already: the loaded index normalizes only new rows and queries.
        if (version == Version)
            VerifyChecksum(stream, header, path);
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
            try
            {
                index.AddStored(chunk, ids.AsSpan((int)Math.Min(first, ids.Length), ids.Length == 0 ? 0 : n),
                    identities.AsSpan((int)Math.Min(first, identities.Length), identities.Length == 0 ? 0 : n));
            }
            catch (ArgumentException e)
            {
                // A version-1 file has no checksum: a NaN row or a negative identity is only found here, by the
                // checks Add makes on a caller's arrays; say which file (and which chunk) rather than which argument.
                string reason = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
                throw new InvalidDataException($"{path} is corrupt: in the rows from {first}, {reason}", e);
            }
        }
        return index;
    }

    /// <summary>Hashes the file as <see cref="Write"/> did, before any of it is used, in chunks (no memory that grows with the index).</summary>
    private static void VerifyChecksum(FileStream stream, byte[] header, string path)
    {
        var checksum = new XxHash3();
        checksum.Append(header.AsSpan(0, ChecksummedHeaderBytes));
        stream.Position = HeaderBytes;
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
            checksum.Append(buffer.AsSpan(0, read));
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(ChecksummedHeaderBytes));
        ulong actual = checksum.GetCurrentHashAsUInt64();
        if (stored != actual)
            throw new InvalidDataException($"{path} is corrupt: its checksum (XXH3-64) is {actual:x16} but its header records {stored:x16}; a row, id, identity or header field was altered.");
    }
}
