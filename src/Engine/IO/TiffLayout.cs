using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Engine.IO;

/// <summary>
/// Walks a TIFF's chain of pages (classic or BigTIFF, either byte order) and checks every declared size against
/// Engine's limits and against the file's length, reading nothing but the directories and their block tables —
/// before LibTiff.NET or Engine allocates anything proportional to what the file claims.
/// </summary>
/// <remarks>
/// LibTiff sizes its own tables from the declared image size (a 62 KB file declaring 2³¹ − 1 rows made it reach
/// 800 MB), counts a chain that loops or runs off the end of the file as fewer pages with only a warning, and
/// accepts block tables that disagree with the image size; each of these is an <see cref="InvalidDataException"/>
/// here, naming the file and the page.
/// </remarks>
internal static class TiffLayout
{
    /// <summary>Pages in one file at most: far more slices than any scan has, few enough to list.</summary>
    public const int MaxPages = 1 << 20;

    /// <summary>Entries in one directory at most; libtiff refuses more than 4096 too, as no real file has them.</summary>
    public const int MaxEntries = 4096;

    /// <summary>Image width or height at most: 2²⁰ pixels, 50 times the widest scan slice Engine has met.</summary>
    public const long MaxSide = 1 << 20;

    /// <summary>Samples per pixel at most (RGBA with extra channels is under 16); more is a damaged tag.</summary>
    public const int MaxSamples = 64;

    // How many times its stored size a block can inflate to at most, per codec, with slack for tiny blocks:
    // Deflate's maximum is 1032:1 (258-byte matches in under 2 bits each); LZW's is about 1360:1 (3,836
    // ever-longer strings of one byte value between two clear codes, in 5.4 KB of 9- to 12-bit codes); PackBits'
    // is 64:1 (2 bytes for a run of 128). Other codecs (JPEG, …) get LZW's, the largest. A block declaring more
    // than this cannot be valid, so nothing is allocated for it.
    private const long DeflateRatio = 1040, LzwRatio = 1400, PackBitsRatio = 64, BlockSlack = 4096;

    /// <summary>Reads and checks the whole chain of pages.</summary>
    /// <param name="file">The open file.</param>
    /// <param name="path">The file's name, for messages.</param>
    /// <returns>Every page, in order.</returns>
    /// <exception cref="InvalidDataException">The file is not a TIFF, or its chain of pages or a page's sizes are damaged; the message names the file and the page.</exception>
    public static IReadOnlyList<TiffPage> Read(SafeFileHandle file, string path)
    {
        long length = RandomAccess.GetLength(file);
        Span<byte> head = stackalloc byte[16];
        int got = RandomAccess.Read(file, head, 0);
        bool little = got >= 4 && head[0] == 'I' && head[1] == 'I';
        if (got < 8 || !(little || (head[0] == 'M' && head[1] == 'M')))
            throw new InvalidDataException($"{path} is not a TIFF file ({length} bytes, no TIFF signature).");
        var reader = new Reader(file, path, length, little);
        int version = reader.U16(head[2..]);
        bool big = version == 43;
        if (version is not (42 or 43))
            throw new InvalidDataException($"{path} is not a TIFF file: its version is {version}, not 42 (TIFF) or 43 (BigTIFF).");
        if (big && (got < 16 || reader.U16(head[4..]) != 8 || reader.U16(head[6..]) != 0))
            throw new InvalidDataException($"{path} is truncated or corrupt: its BigTIFF header is damaged.");
        long next = big ? (long)Math.Min(reader.U64(head[8..]), long.MaxValue) : reader.U32(head[4..]);
        int headerSize = big ? 16 : 8;

        var pages = new List<TiffPage>();
        var seen = new Dictionary<long, int>();
        while (next != 0)
        {
            int index = pages.Count;
            if (next < headerSize || next >= length)
                throw new InvalidDataException(index == 0
                    ? $"{path} is truncated or corrupt: its first page's directory offset {next} lies outside the {length}-byte file."
                    : $"{path} is truncated or corrupt: page {index}'s directory offset {next} (linked from page {index - 1}) lies outside the {length}-byte file; the file may have been cut short.");
            if (seen.TryGetValue(next, out int earlier))
                throw new InvalidDataException($"{path} is corrupt: page {index - 1} links back to page {earlier}'s directory (offset {next}); the chain of pages loops.");
            if (index >= MaxPages)
                throw new InvalidDataException($"{path} has more than {MaxPages} pages, Engine's limit.");
            seen.Add(next, index);
            (var page, next) = ReadPage(reader, index, next, big);
            pages.Add(page);
        }
        if (pages.Count == 0)
            throw new InvalidDataException($"{path} is corrupt: it has no pages (its first directory offset is 0).");
        return pages;
    }

    private static (TiffPage Page, long Next) ReadPage(Reader reader, int index, long offset, bool big)
    {
        string where = Where(reader.Path, index);
        int countSize = big ? 8 : 2, entrySize = big ? 20 : 12, linkSize = big ? 8 : 4;
        Span<byte> countBytes = stackalloc byte[8];
        reader.Read(countBytes[..countSize], offset, where, $"its directory at offset {offset}");
        long entries = big ? (long)Math.Min(reader.U64(countBytes), long.MaxValue) : reader.U16(countBytes);
        if (entries is 0 or > MaxEntries)
            throw new InvalidDataException($"{where} is corrupt: its directory at offset {offset} declares {entries} entries (1 to {MaxEntries} expected); the offset does not point at a directory.");
        var table = new byte[entries * entrySize + linkSize];
        reader.Read(table, offset + countSize, where, $"its directory of {entries} entries at offset {offset}");

        var tags = new Dictionary<int, Entry>();
        for (int i = 0; i < entries; i++)
        {
            var e = table.AsSpan(i * entrySize, entrySize);
            int tag = reader.U16(e), type = reader.U16(e[2..]);
            long count = big ? (long)Math.Min(reader.U64(e[4..]), long.MaxValue) : reader.U32(e[4..]);
            int size = TypeSize(type);
            if (size == 0)
                continue; // An unknown type: LibTiff skips the entry, and so do the checks here.
            var inline = e[(big ? 12 : 8)..];
            bool inlined = count <= (big ? 8 : 4) / size;
            long valueOffset = inlined ? -1 : big ? (long)Math.Min(reader.U64(inline), long.MaxValue) : reader.U32(inline);
            if (!inlined && (count > reader.Length / size || valueOffset > reader.Length - count * size))
                throw new InvalidDataException($"{where} is truncated or corrupt: tag {tag}'s {count} values at offset {valueOffset} lie past the end of the {reader.Length}-byte file.");
            // A tag given twice: these checks would see one value and LibTiff decode with the other (AFL++: a second
            // StripByteCounts of 553 MB behind a checked one of 4 bytes, read into a buffer of that size).
            if (!tags.TryAdd(tag, new Entry(tag, type, size, count, inlined ? inline[..(big ? 8 : 4)].ToArray() : null, valueOffset)))
                throw new InvalidDataException($"{where} is corrupt: its directory at offset {offset} gives tag {tag} twice.");
        }
        long next = big ? (long)Math.Min(reader.U64(table.AsSpan((int)entries * entrySize)), long.MaxValue) : reader.U32(table.AsSpan((int)entries * entrySize));

        long width = Scalar(reader, tags, 256, where, "ImageWidth") ?? 0;
        long height = Scalar(reader, tags, 257, where, "ImageLength") ?? 0;
        if (width is < 1 or > MaxSide || height is < 1 or > MaxSide)
            throw new InvalidDataException($"{where} declares {width}×{height} pixels; Engine reads 1 to {MaxSide} pixels a side.");
        long samples = Scalar(reader, tags, 277, where, "SamplesPerPixel") ?? 1;
        if (samples is < 1 or > MaxSamples)
            throw new InvalidDataException($"{where} declares {samples} samples per pixel; Engine reads 1 to {MaxSamples}.");
        long bits = Scalar(reader, tags, 258, where, "BitsPerSample") ?? 1;
        if (bits is < 1 or > 64)
            throw new InvalidDataException($"{where} declares {bits} bits per sample (1 to 64 expected).");
        int compression = (int)(Scalar(reader, tags, 259, where, "Compression") ?? 1);
        bool planar = Scalar(reader, tags, 284, where, "PlanarConfiguration") == 2;
        bool tiled = tags.ContainsKey(322) || tags.ContainsKey(324);
        long blockWidth = width, blockHeight;
        long blocks;
        if (tiled)
        {
            blockWidth = Scalar(reader, tags, 322, where, "TileWidth") ?? 0;
            blockHeight = Scalar(reader, tags, 323, where, "TileLength") ?? 0;
            if (blockWidth is < 1 or > MaxSide || blockHeight is < 1 or > MaxSide)
                throw new InvalidDataException($"{where} declares {blockWidth}×{blockHeight}-pixel tiles; 1 to {MaxSide} pixels a side expected.");
            blocks = (width + blockWidth - 1) / blockWidth * ((height + blockHeight - 1) / blockHeight);
        }
        else
        {
            long perStrip = Scalar(reader, tags, 278, where, "RowsPerStrip") ?? height;
            if (perStrip < 1)
                throw new InvalidDataException($"{where} declares {perStrip} rows per strip.");
            blockHeight = Math.Min(perStrip, height);
            blocks = (height + blockHeight - 1) / blockHeight;
        }
        if (planar)
            blocks *= samples;
        string kind = tiled ? "tile" : "strip";
        var offsets = Array(reader, tags, tiled ? 324 : 273, where, tiled ? "TileOffsets" : "StripOffsets");
        var counts = Array(reader, tags, tiled ? 325 : 279, where, tiled ? "TileByteCounts" : "StripByteCounts");
        if (offsets.Length != blocks || counts.Length != blocks)
            throw new InvalidDataException($"{where} is corrupt: a {width}×{height} image in {blockWidth}×{blockHeight} {kind}s has {blocks} {kind}s, but its tables list {offsets.Length} offsets and {counts.Length} byte counts.");

        long pixelBytes = (planar ? 1 : samples) * bits;
        long rowBytes = (blockWidth * pixelBytes + 7) / 8;
        long ratio = compression switch
        {
            1 => 1,
            8 or 32946 => DeflateRatio,
            32773 => PackBitsRatio,
            _ => LzwRatio,
        };
        long perPlane = planar ? blocks / samples : blocks;
        for (long b = 0; b < blocks; b++)
        {
            long rows = tiled ? blockHeight : Math.Min(blockHeight, height - b % perPlane * blockHeight);
            long bytes = rows * rowBytes;
            if (offsets[b] < 0 || counts[b] < 1 || offsets[b] > reader.Length - counts[b])
                throw new InvalidDataException($"{where} is truncated or corrupt: {kind} {b} ({counts[b]} bytes at offset {offsets[b]}) lies outside the {reader.Length}-byte file.");
            if (compression == 1 ? counts[b] < bytes : bytes > counts[b] * ratio + BlockSlack)
                throw new InvalidDataException(compression == 1
                    ? $"{where} is truncated or corrupt: uncompressed {kind} {b} holds {counts[b]} bytes, fewer than its {bytes}."
                    : $"{where} is corrupt: {kind} {b} declares {bytes} bytes of pixels in {counts[b]} compressed bytes, more than compression {compression} can hold.");
        }
        return (new TiffPage(index, offset, width, height, compression, tiled, blockWidth, blockHeight, blocks), next);
    }

    /// <summary>The file, and the page when it is not the first, for messages.</summary>
    public static string Where(string path, int page) => page == 0 ? path : $"{path} (page {page})";

    private static int TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 or 16 or 17 or 18 => 8,
        _ => 0,
    };

    private static long? Scalar(Reader reader, Dictionary<int, Entry> tags, int tag, string where, string name)
    {
        if (!tags.TryGetValue(tag, out var e))
            return null;
        if (e.Count < 1 || e.Type is not (1 or 3 or 4 or 16))
            throw new InvalidDataException($"{where} is corrupt: its {name} tag has {e.Count} values of type {e.Type}, not an unsigned integer.");
        Span<byte> value = stackalloc byte[8];
        if (e.Inline is { } inline)
            inline.AsSpan(0, e.Size).CopyTo(value);
        else
            reader.Read(value[..e.Size], e.Offset, where, $"its {name} tag");
        return reader.Unsigned(value[..e.Size]);
    }

    private static long[] Array(Reader reader, Dictionary<int, Entry> tags, int tag, string where, string name)
    {
        if (!tags.TryGetValue(tag, out var e))
            throw new InvalidDataException($"{where} is corrupt: it has no {name} tag.");
        if (e.Type is not (3 or 4 or 16))
            throw new InvalidDataException($"{where} is corrupt: its {name} tag has values of type {e.Type}, not SHORT, LONG or LONG8.");
        // The count was checked against the file's length, so this is at most the file's size in longs.
        byte[] raw = e.Inline ?? new byte[e.Count * e.Size];
        if (e.Inline is null)
            reader.Read(raw, e.Offset, where, $"its {name} tag");
        var values = new long[e.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = reader.Unsigned(raw.AsSpan(i * e.Size, e.Size));
        return values;
    }

    private sealed record Entry(int Tag, int Type, int Size, long Count, byte[]? Inline, long Offset);

    private sealed class Reader(SafeFileHandle file, string path, long length, bool little)
    {
        public string Path => path;

        public long Length => length;

        public void Read(Span<byte> buffer, long offset, string where, string what)
        {
            if (offset < 0 || offset > length - buffer.Length || RandomAccess.Read(file, buffer, offset) < buffer.Length)
                throw new InvalidDataException($"{where} is truncated or corrupt: {what} runs past the end of the {length}-byte file.");
        }

        public int U16(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16BigEndian(b);

        public long U32(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32BigEndian(b);

        public ulong U64(ReadOnlySpan<byte> b) => little ? BinaryPrimitives.ReadUInt64LittleEndian(b) : BinaryPrimitives.ReadUInt64BigEndian(b);

        /// <summary>A BYTE, SHORT, LONG or LONG8 value; LONG8 above 2⁶³ saturates (it exceeds every limit anyway).</summary>
        public long Unsigned(ReadOnlySpan<byte> b) => b.Length switch
        {
            1 => b[0],
            2 => U16(b),
            4 => U32(b),
            _ => (long)Math.Min(U64(b), long.MaxValue),
        };
    }
}
