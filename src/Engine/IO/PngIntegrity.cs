using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Engine.IO;

/// <summary>
/// Checks a whole PNG before it is decoded: the chunk layout and every chunk's CRC-32, IHDR's fields, the zlib
/// header, that the concatenated IDAT data inflates to exactly the bytes IHDR implies, and that the zlib stream
/// (Adler-32 included) ends exactly where the IDAT data ends.
/// </summary>
/// <remarks>
/// <para>Why a check in front of stb_image rather than a whole decoder of our own: stb ignores CRCs and Adler-32,
/// but its conversions (1/2/4-bit scaling, 16-bit high byte, palettes, tRNS, Adam7) are what
/// <see cref="PngImage.Read"/> documents and the golden tests pin; keeping stb for those files keeps their
/// result unchanged by construction, at the price of a second inflate (streamed through a small buffer).</para>
/// <para>The files Engine sees most — masks and previews, 8- or 1-bit gray, not interlaced — are decoded here
/// instead, during the one inflate the check needs (the five filters, 1-bit samples scaled to 0/255 as stb does),
/// so they cost no more than before: .NET's zlib inflates faster than stb's port. The tests compare both paths
/// with stb on files using every filter.</para>
/// </remarks>
internal static class PngIntegrity
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The most pixels a PNG may declare (32,768 × 32,768): 1 GiB as 8-bit gray.</summary>
    public const long MaxPixels = 1L << 30;

    // stb_image's STBI_MAX_DIMENSIONS: it refuses a wider or taller image, so the fast path does too.
    private const int StbMaxSide = 1 << 24;

    // A deflate stream cannot expand by more than 1032:1 (a 258-byte match costs at least 2 bits); a header
    // promising more than this from its IDAT bytes is a lie that is caught before inflating anything.
    private const long MaxDeflateRatio = 1032;

    // The last bytes of the zlib stream are handed to the inflater one at a time, followed by one extra byte, so
    // that how far it read shows exactly where the stream ended: .NET's ZLibStream neither reports data after the
    // stream nor a missing Adler-32 trailer.
    private const int TrickledTail = 64;

    /// <summary>The size in the first 33 bytes of a PNG: signature and IHDR, CRC checked.</summary>
    public static PngHeader ReadHeader(ReadOnlySpan<byte> start, long fileLength, string path)
    {
        if (start.Length < Signature.Length || !start[..Signature.Length].SequenceEqual(Signature))
            throw new InvalidDataException($"{path} is not a PNG file: it does not start with the PNG signature.");
        if (start.Length < 33)
            throw new InvalidDataException($"{path} is truncated: its {fileLength} bytes end inside the IHDR chunk.");
        uint length = BinaryPrimitives.ReadUInt32BigEndian(start[8..]);
        var type = start.Slice(12, 4);
        if (!type.SequenceEqual("IHDR"u8))
            throw new InvalidDataException($"{path} is a corrupt PNG: its first chunk is '{PrintableText.Escape(type)}', not IHDR.");
        if (length != 13)
            throw new InvalidDataException($"{path} is a corrupt PNG: its IHDR chunk is {length} bytes long, not 13.");
        CheckCrc(start.Slice(12, 17), BinaryPrimitives.ReadUInt32BigEndian(start[29..]), "IHDR", 8, path);

        uint width = BinaryPrimitives.ReadUInt32BigEndian(start[16..]);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(start[20..]);
        byte depth = start[24], color = start[25], compression = start[26], filter = start[27], interlace = start[28];
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
            throw new InvalidDataException($"{path} is a corrupt PNG: IHDR declares {width} × {height} pixels; each side must be 1 to {int.MaxValue}.");
        bool validDepth = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => throw new InvalidDataException($"{path} is a corrupt PNG: IHDR declares colour type {color}; PNG has 0, 2, 3, 4 and 6."),
        };
        if (!validDepth)
            throw new InvalidDataException($"{path} is a corrupt PNG: IHDR declares bit depth {depth} for colour type {color}, which PNG does not allow.");
        if (compression != 0 || filter != 0 || interlace > 1)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: IHDR declares compression method {compression}, filter method {filter}, interlace method {interlace}; PNG defines only 0, 0 and 0 or 1.");
        var header = new PngHeader((int)width, (int)height, depth, color, interlace == 1);
        long pixels = (long)width * height;
        if (pixels > MaxPixels)
            throw new InvalidDataException(
                $"{path} declares {width} × {height} pixels ({pixels:N0}); Engine reads PNGs of at most {MaxPixels:N0} pixels (e.g. 32,768 × 32,768).");
        // stb_image decodes in buffers of at most int.MaxValue bytes: the raw rows, then the samples of up to 2
        // bytes each (a palette expands to RGBA).
        long stbBytes = Math.Max(header.InflatedBytes, pixels * (color == 3 ? 4 : header.Channels) * (depth == 16 ? 2 : 1));
        if (stbBytes > int.MaxValue)
            throw new InvalidDataException(
                $"{path} declares {width} × {height} pixels of {depth}-bit colour type {color}, which needs {stbBytes:N0} bytes to decode; at most {int.MaxValue:N0} are supported.");
        return header;
    }

    /// <summary>Checks the whole file (see the class remarks) and returns its header.</summary>
    public static PngHeader Check(byte[] file, string path) => Check(file, path, out _);

    /// <summary>
    /// Checks the whole file (see the class remarks) and returns its header; for the plain kind of file that masks
    /// and previews are (8- or 1-bit gray, not interlaced, no PLTE, tRNS or unknown critical chunk) also the
    /// decoded pixels, exactly as stb_image gives them (1-bit scaled to 0 and 255), from the same single inflate.
    /// </summary>
    /// <param name="file">The whole file.</param>
    /// <param name="path">Its name, for messages.</param>
    /// <param name="pixels">The 8-bit gray pixels, or null when stb_image is to decode the (checked) file.</param>
    public static PngHeader Check(byte[] file, string path, out byte[]? pixels)
    {
        bool plain = true;
        var header = ReadHeader(file, file.Length, path);
        long at = 33;
        int idatChunks = 0;
        long idatBytes = 0;
        bool idatEnded = false;
        var idat = new List<(int Offset, int Length)>();
        while (true)
        {
            if (at + 8 > file.Length)
                throw new InvalidDataException($"{path} is truncated: its {file.Length} bytes end before the IEND chunk.");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)at));
            var typeBytes = file.AsSpan((int)at + 4, 4);
            string type = PrintableText.Escape(typeBytes);
            foreach (byte b in typeBytes)
            {
                if (!char.IsAsciiLetter((char)b))
                    throw new InvalidDataException($"{path} is a corrupt PNG: the chunk at offset {at} has type '{type}'; chunk types are four ASCII letters.");
            }
            if (length > int.MaxValue)
                throw new InvalidDataException($"{path} is a corrupt PNG: its {type} chunk at offset {at} declares {length} bytes; PNG allows at most {int.MaxValue}.");
            long end = at + 12 + length;
            if (end > file.Length)
                throw new InvalidDataException(
                    $"{path} is truncated: its {type} chunk needs {end - at} bytes from offset {at}, but the file ends after {file.Length}.");
            CheckCrc(file.AsSpan((int)at + 4, 4 + (int)length), BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)(end - 4))), type, at, path);

            if (typeBytes.SequenceEqual("IDAT"u8))
            {
                if (idatEnded)
                    throw new InvalidDataException($"{path} is a corrupt PNG: its IDAT chunks are not consecutive (another IDAT at offset {at}).");
                idat.Add(((int)at + 8, (int)length));
                idatBytes += length;
                idatChunks++;
            }
            else
            {
                idatEnded |= idatChunks > 0;
                // stb_image reads PLTE and tRNS even in gray images (and checks their lengths) and refuses unknown
                // critical chunks: files that have them are left to stb, so that it accepts and refuses as before.
                bool critical = (typeBytes[0] & 0x20) == 0;
                plain &= !typeBytes.SequenceEqual("tRNS"u8) && !(critical && !typeBytes.SequenceEqual("IEND"u8));
                if (typeBytes.SequenceEqual("IHDR"u8))
                    throw new InvalidDataException($"{path} is a corrupt PNG: a second IHDR chunk at offset {at}.");
                if (typeBytes.SequenceEqual("IEND"u8))
                    break;
            }
            at = end;
        }
        if (idatChunks == 0)
            throw new InvalidDataException($"{path} is a corrupt PNG: it has no IDAT chunk (no image data).");

        long expected = header.InflatedBytes;
        if (expected > MaxDeflateRatio * idatBytes + 1024)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: IHDR declares {header.Width} × {header.Height} pixels ({expected:N0} bytes of rows), more than its {idatBytes:N0} bytes of IDAT data can hold.");
        plain &= header is { ColorType: 0, Interlaced: false, BitDepth: 8 or 1 } && header.Width <= StbMaxSide && header.Height <= StbMaxSide;
        pixels = plain ? new byte[(long)header.Width * header.Height] : null;
        CheckZlib(file, idat, idatBytes, header, expected, path, pixels);
        return header;
    }

    private static void CheckCrc(ReadOnlySpan<byte> typeAndData, uint stored, string type, long at, string path)
    {
        uint actual = Crc32.HashToUInt32(typeAndData);
        if (actual != stored)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: the CRC of its {type} chunk at offset {at} is 0x{stored:X8}, but its bytes give 0x{actual:X8}.");
    }

    private static void CheckZlib(byte[] file, List<(int Offset, int Length)> idat, long idatBytes, PngHeader header, long expected, string path, byte[]? pixels)
    {
        var stream = new IdatStream(file, idat, idatBytes);
        Span<byte> zlibHeader = stackalloc byte[2];
        if (idatBytes < 2 || stream.Peek(zlibHeader) < 2)
            throw new InvalidDataException($"{path} is a corrupt PNG: its IDAT data is too short for a zlib stream.");
        int cmf = zlibHeader[0], flg = zlibHeader[1];
        if ((cmf & 0x0F) != 8 || (cmf >> 4) > 7 || (cmf * 256 + flg) % 31 != 0 || (flg & 0x20) != 0)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: its IDAT data does not start with a valid zlib header (0x{cmf:X2} 0x{flg:X2}).");

        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        long inflated = 0;
        try
        {
            using var zlib = new ZLibStream(stream, CompressionMode.Decompress);
            if (pixels is not null)
                inflated = DecodeRows(zlib, header, pixels, path);
            int n;
            while ((n = zlib.Read(buffer, 0, buffer.Length)) > 0)
            {
                inflated += n;
                if (inflated > expected)
                    throw new InvalidDataException(
                        $"{path} is a corrupt PNG: its IDAT data inflates to more than the {expected:N0} bytes of rows IHDR implies.");
            }
        }
        catch (InvalidDataException e) when (e.Message.IndexOf(path, StringComparison.Ordinal) < 0)
        {
            // .NET says "unsupported compression method" for any inflate error, bad Adler-32 included.
            throw new InvalidDataException(inflated == expected
                ? $"{path} is a corrupt PNG: its IDAT data inflates to the {expected:N0} bytes IHDR implies, but the zlib stream's Adler-32 checksum does not match them (or its last deflate block is corrupt)."
                : $"{path} is a corrupt PNG: its IDAT data fails to inflate after {inflated:N0} of {expected:N0} bytes (a corrupt deflate block).", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (stream.Position > idatBytes || inflated < expected)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: its zlib stream is cut short ({inflated:N0} of the {expected:N0} bytes of rows IHDR implies, {(stream.Position > idatBytes ? "no complete Adler-32 trailer" : "then the stream ends")}).");
        if (stream.Position < idatBytes)
            throw new InvalidDataException(
                $"{path} is a corrupt PNG: its zlib stream ends {idatBytes - stream.Position:N0} bytes before the end of its IDAT data.");
    }

    /// <summary>
    /// Reads the rows of an 8- or 1-bit gray, non-interlaced image from the inflater and unfilters them into
    /// <paramref name="pixels"/> (1-bit samples become 0 or 255, as stb_image scales them); stops early, returning
    /// the bytes read, if the stream ends first (the caller reports that).
    /// </summary>
    private static long DecodeRows(Stream zlib, PngHeader header, byte[] pixels, string path)
    {
        int width = header.Width, rowBytes = (int)(((long)width * header.BitDepth + 7) / 8);
        byte[] previous = ArrayPool<byte>.Shared.Rent(rowBytes + 1), current = ArrayPool<byte>.Shared.Rent(rowBytes + 1);
        try
        {
            // The row above the first is all zeros, which turns Up into None and Paeth into Sub as PNG specifies.
            Array.Clear(previous, 0, rowBytes + 1);
            long inflated = 0;
            for (int y = 0; y < header.Height; y++)
            {
                var row = current.AsSpan(0, rowBytes + 1);
                int got = zlib.ReadAtLeast(row, row.Length, throwOnEndOfStream: false);
                inflated += got;
                if (got < row.Length)
                    return inflated;
                var line = row[1..];
                Unfilter(row[0], line, previous.AsSpan(1, rowBytes), path, y);
                var target = pixels.AsSpan((int)((long)y * width), width);
                if (header.BitDepth == 8)
                    line.CopyTo(target);
                else
                {
                    for (int x = 0; x < width; x++)
                        target[x] = (byte)(((line[x >> 3] >> (7 - (x & 7))) & 1) * 255);
                }
                (previous, current) = (current, previous);
            }
            return inflated;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(previous);
            ArrayPool<byte>.Shared.Return(current);
        }
    }

    /// <summary>Undoes a row's filter in place (one byte per pixel for both depths handled here, as PNG rounds up).</summary>
    private static void Unfilter(byte filter, Span<byte> line, ReadOnlySpan<byte> above, string path, int y)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = 1; i < line.Length; i++)
                    line[i] += line[i - 1];
                break;
            case 2:
                for (int i = 0; i < line.Length; i++)
                    line[i] += above[i];
                break;
            case 3:
                line[0] += (byte)(above[0] >> 1);
                for (int i = 1; i < line.Length; i++)
                    line[i] += (byte)((line[i - 1] + above[i]) >> 1);
                break;
            case 4:
                line[0] += above[0];
                for (int i = 1; i < line.Length; i++)
                    line[i] += Paeth(line[i - 1], above[i], above[i - 1]);
                break;
            default:
                throw new InvalidDataException($"{path} is a corrupt PNG: row {y} has filter type {filter}; PNG defines 0 to 4.");
        }
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>
    /// The IDAT chunks' data as one stream, with the last <see cref="TrickledTail"/> bytes served one per read and
    /// one extra zero byte after them (see <see cref="TrickledTail"/>).
    /// </summary>
    private sealed class IdatStream(byte[] file, List<(int Offset, int Length)> chunks, long length) : Stream
    {
        private long position;
        private int chunk, inChunk;

        public int Peek(Span<byte> bytes)
        {
            int n = 0;
            for (int c = 0; c < chunks.Count && n < bytes.Length; c++)
            {
                int take = Math.Min(bytes.Length - n, chunks[c].Length);
                file.AsSpan(chunks[c].Offset, take).CopyTo(bytes[n..]);
                n += take;
            }
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty || position > length)
                return 0;
            if (position == length)
            {
                buffer[0] = 0;
                position++;
                return 1;
            }
            long tail = Math.Max(0, length - TrickledTail);
            int want = position < tail ? (int)Math.Min(buffer.Length, tail - position) : 1;
            int n = 0;
            while (n < want)
            {
                while (inChunk == chunks[chunk].Length)
                {
                    chunk++;
                    inChunk = 0;
                }
                int take = Math.Min(want - n, chunks[chunk].Length - inChunk);
                file.AsSpan(chunks[chunk].Offset + inChunk, take).CopyTo(buffer[n..]);
                inChunk += take;
                n += take;
            }
            position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
