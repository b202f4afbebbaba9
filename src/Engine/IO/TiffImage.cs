using System.Globalization;
using System.Numerics.Tensors;
using BitMiracle.LibTiff.Classic;

namespace Engine.IO;

/// <summary>
/// Reads single-channel TIFF images (scans, probability maps) as float32 and writes float32 probability maps and
/// uint16 scan slices, with LibTiff.NET.
/// </summary>
/// <remarks>
/// LibTiff's diagnostics never reach the console: they are collected while a call runs, and a failure becomes an
/// <see cref="InvalidDataException"/> that names the file and quotes LibTiff.
/// </remarks>
public static class TiffImage
{
    // Classic TIFF addresses at most 4 GiB; deflate can grow incompressible data a little, so a map with more raw
    // pixel bytes than this is written as BigTIFF, which libtiff 4, tifffile and GDAL all read.
    private const long BigTiffAbove = 3L << 30;

    // Strips of about this many uncompressed bytes: big enough to compress well, small enough to buffer.
    private const int StripBytes = 1 << 20;

    /// <summary>Reads the first page of a single-channel TIFF as float32.</summary>
    /// <remarks>
    /// Accepts 8- and 16-bit unsigned integer and 32-bit float samples, striped or tiled, with any compression and
    /// predictor LibTiff.NET decodes (none, LZW, Deflate, PackBits, …), in either byte order. Integer values are
    /// kept as they are — a uint16 scan reads as 0..65535, not 0..1 — so callers scale them. The photometric
    /// interpretation is not applied: min-is-white files are not inverted. Further pages are ignored.
    /// </remarks>
    /// <param name="path">The TIFF file.</param>
    /// <returns>The first page, row-major, top row first.</returns>
    /// <exception cref="InvalidDataException">The file is not a TIFF, or is truncated or corrupt; the message quotes LibTiff.</exception>
    /// <exception cref="NotSupportedException">The image has more than one sample per pixel, another sample type, or more pixels than a .NET array holds.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static GrayImage<float> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var errors = new LibTiffErrors();
        try
        {
            // The chain of pages and every declared size, checked before LibTiff allocates for them.
            TiffLayout.Read(stream.SafeFileHandle, path);
            using var tiff = Tiff.ClientOpen(path, "r", stream, new TiffStream())
                ?? throw errors.Failure(path, StartsLikeTiff(stream)
                    ? "is truncated or corrupt: LibTiff cannot open it"
                    : "is not a TIFF file");
            var image = ReadFirstPage(tiff, stream.SafeFileHandle, path, errors);
            // LibTiff reports some damage, such as tag values cut off by the end of the file, as an error yet goes on.
            errors.ThrowIfAny(path, "is truncated or corrupt");
            return image;
        }
        catch (Exception e) when (IsLibTiffFailure(e))
        {
            throw errors.Failure(path, $"is corrupt: LibTiff failed with {e.GetType().Name} ({PrintableText.EscapeControls(e.Message)})", e);
        }
    }

    /// <summary>Writes a float32 single-channel TIFF, e.g. a probability map, replacing any existing file.</summary>
    /// <remarks>
    /// Striped, min-is-black, little-endian, one page. A map of more than 3 GiB of pixels is written as BigTIFF, as
    /// classic TIFF cannot address more than 4 GiB.
    /// </remarks>
    /// <param name="path">The TIFF file to write.</param>
    /// <param name="pixels">The <paramref name="width"/> × <paramref name="height"/> values, row-major, top row first.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="compression">Uncompressed or Deflate.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is below 1, or <paramref name="compression"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold width × height values.</exception>
    /// <exception cref="InvalidDataException">LibTiff failed to write the file; the message quotes it.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void Write(string path, ReadOnlySpan<float> pixels, int width, int height,
        TiffCompression compression = TiffCompression.None) =>
        Write(path, pixels, width, height, compression, bigTiff: (long)pixels.Length * sizeof(float) > BigTiffAbove);

    /// <summary>As the public overload, choosing the file format explicitly, so tests can write a small BigTIFF.</summary>
    internal static void Write(string path, ReadOnlySpan<float> pixels, int width, int height,
        TiffCompression compression, bool bigTiff) =>
        Write(path, pixels, width, height, compression, bigTiff, SampleFormat.IEEEFP);

    /// <summary>Writes a uint16 single-channel TIFF, e.g. one slice of a scan, replacing any existing file.</summary>
    /// <remarks>As the float32 overload otherwise: striped, min-is-black, little-endian, one page, BigTIFF above 3 GiB.</remarks>
    /// <param name="path">The TIFF file to write.</param>
    /// <param name="pixels">The <paramref name="width"/> × <paramref name="height"/> values, row-major, top row first.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="compression">Uncompressed or Deflate.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> or <paramref name="height"/> is below 1, or <paramref name="compression"/> is not a defined value.</exception>
    /// <exception cref="ArgumentException"><paramref name="pixels"/> does not hold width × height values.</exception>
    /// <exception cref="InvalidDataException">LibTiff failed to write the file; the message quotes it.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void WriteUInt16(string path, ReadOnlySpan<ushort> pixels, int width, int height,
        TiffCompression compression = TiffCompression.None) =>
        Write(path, pixels, width, height, compression, (long)pixels.Length * sizeof(ushort) > BigTiffAbove, SampleFormat.UINT);

    private static void Write<T>(string path, ReadOnlySpan<T> pixels, int width, int height,
        TiffCompression compression, bool bigTiff, SampleFormat format) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!Enum.IsDefined(compression))
            throw new ArgumentOutOfRangeException(nameof(compression), compression, $"Unknown compression for {path}.");
        if (pixels.Length != (long)width * height)
            throw new ArgumentException($"A {width}×{height} image for {path} needs {(long)width * height} values, not {pixels.Length}.", nameof(pixels));

        int sampleBytes = Unsafe.SizeOf<T>();
        int rowBytes = checked(width * sampleBytes);
        int rowsPerStrip = Math.Clamp(StripBytes / rowBytes, 1, height);
        using var file = AtomicFile.Create(path);
        var stream = file.Stream;
        using var errors = new LibTiffErrors();
        try
        {
            using var tiff = Tiff.ClientOpen(path, bigTiff ? "w8" : "w", stream, new TiffStream())
                ?? throw errors.Failure(path, "cannot be created as a TIFF");
            tiff.SetField(TiffTag.IMAGEWIDTH, width);
            tiff.SetField(TiffTag.IMAGELENGTH, height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, 1);
            tiff.SetField(TiffTag.BITSPERSAMPLE, sampleBytes * 8);
            tiff.SetField(TiffTag.SAMPLEFORMAT, format);
            tiff.SetField(TiffTag.PHOTOMETRIC, Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.ROWSPERSTRIP, rowsPerStrip);
            tiff.SetField(TiffTag.COMPRESSION, compression == TiffCompression.Deflate ? Compression.ADOBE_DEFLATE : Compression.NONE);

            // LibTiff takes byte arrays and may encode in place, so each strip goes through this copy.
            var strip = new byte[rowsPerStrip * rowBytes];
            for (int index = 0, y = 0; y < height; index++, y += rowsPerStrip)
            {
                int rows = Math.Min(rowsPerStrip, height - y);
                var bytes = MemoryMarshal.AsBytes(pixels.Slice(y * width, rows * width));
                bytes.CopyTo(strip);
                if (tiff.WriteEncodedStrip(index, strip, bytes.Length) < 0)
                    throw errors.Failure(path, $"could not be written (strip {index})");
            }
            if (!tiff.WriteDirectory())
                throw errors.Failure(path, "could not be written (its directory)");
            errors.ThrowIfAny(path, "could not be written");
        }
        catch (Exception e) when (IsLibTiffFailure(e))
        {
            throw errors.Failure(path, $"could not be written: LibTiff failed with {e.GetType().Name} ({PrintableText.EscapeControls(e.Message)})", e);
        }
        file.Commit();
    }

    private static GrayImage<float> ReadFirstPage(Tiff tiff, Microsoft.Win32.SafeHandles.SafeFileHandle file, string path, LibTiffErrors errors)
    {
        int width = Tag(tiff, TiffTag.IMAGEWIDTH, path);
        int height = Tag(tiff, TiffTag.IMAGELENGTH, path);
        int samples = tiff.GetFieldDefaulted(TiffTag.SAMPLESPERPIXEL)[0].ToInt();
        if (samples != 1)
            throw new NotSupportedException($"{path} has {samples} samples per pixel; Engine reads single-channel TIFFs only.");
        int bits = tiff.GetFieldDefaulted(TiffTag.BITSPERSAMPLE)[0].ToInt();
        var format = (SampleFormat)tiff.GetFieldDefaulted(TiffTag.SAMPLEFORMAT)[0].ToInt();
        int sampleBytes = (format, bits) switch
        {
            (SampleFormat.UINT, 8) => 1,
            (SampleFormat.UINT, 16) => 2,
            (SampleFormat.IEEEFP, 32) => 4,
            _ => throw new NotSupportedException($"{path} holds {bits}-bit {format} samples; Engine reads 8- and 16-bit UINT and 32-bit IEEEFP."),
        };
        long count = (long)width * height;
        if (count > Array.MaxLength)
            throw new NotSupportedException($"{path} is {width}×{height} pixels; a .NET array holds at most {Array.MaxLength}.");

        var pixels = new float[count];
        bool tiled = tiff.IsTiled();
        // Deflate, LZW and PackBits are decoded and verified (exact lengths, Deflate's Adler-32) by the volume
        // reader's decoder: LibTiff.NET's stop when the block is full and check nothing after, so flipped bytes
        // read as wrong pixels.
        var compression = (Compression)tiff.GetFieldDefaulted(TiffTag.COMPRESSION)[0].ToInt();
        int predictor = tiff.GetField(TiffTag.PREDICTOR) is [var p, ..] ? p.ToInt() : 1;
        Engine.Volumes.CompressedBlocks? blocks = Engine.Volumes.CompressedBlocks.For(compression, predictor) is { } codec
            ? new Engine.Volumes.CompressedBlocks(path, file,
                tiff.GetField(tiled ? TiffTag.TILEOFFSETS : TiffTag.STRIPOFFSETS)[0].TolongArray(),
                tiff.GetField(tiled ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS)[0].TolongArray(),
                codec, sampleBytes, tiff.IsByteSwapped(), predictor, tiled ? Tag(tiff, TiffTag.TILEWIDTH, path) : width)
            : null;
        if (tiled)
        {
            int tileWidth = Tag(tiff, TiffTag.TILEWIDTH, path);
            int tileHeight = Tag(tiff, TiffTag.TILELENGTH, path);
            var tile = new byte[tiff.TileSize()];
            for (int y = 0; y < height; y += tileHeight)
            {
                for (int x = 0; x < width; x += tileWidth)
                {
                    bool decoded = blocks?.Decode(tiff.ComputeTile(x, y, 0, 0), tile, $"the tile at x={x}, y={y}") == true;
                    if (!decoded && tiff.ReadEncodedTile(tiff.ComputeTile(x, y, 0, 0), tile, 0, tile.Length) < tile.Length)
                        throw errors.Failure(path, $"is truncated or corrupt: the tile at x={x}, y={y} cannot be read");
                    // Edge tiles are padded to the full tile size; only their part inside the image is kept.
                    int w = Math.Min(tileWidth, width - x);
                    for (int row = 0; row < Math.Min(tileHeight, height - y); row++)
                        Convert(tile.AsSpan(row * tileWidth * sampleBytes, w * sampleBytes), pixels.AsSpan((y + row) * width + x, w), sampleBytes);
                }
            }
        }
        else if (blocks is not null && IsNewStyle(tiff, compression))
        {
            int rowBytes = width * sampleBytes;
            int perStrip = Math.Min(tiff.GetFieldDefaulted(TiffTag.ROWSPERSTRIP)[0].ToInt() is > 0 and var r ? r : height, height);
            var strip = new byte[(long)perStrip * rowBytes];
            for (int index = 0, y = 0; y < height; index++, y += perStrip)
            {
                int rows = Math.Min(perStrip, height - y);
                if (!blocks.Decode(index, strip.AsSpan(0, rows * rowBytes), $"strip {index} (rows {y}..{y + rows - 1})", (perStrip - rows) * rowBytes))
                    throw new InvalidDataException($"{path} is corrupt: strip {index} is old-style LZW, strip 0 is not.");
                Convert(strip.AsSpan(0, rows * rowBytes), pixels.AsSpan(y * width, rows * width), sampleBytes);
            }
        }
        else
        {
            // Row by row, so a whole-image strip never needs a buffer of its own; LibTiff decodes strips sequentially.
            var row = new byte[tiff.ScanlineSize()];
            for (int y = 0; y < height; y++)
            {
                if (!tiff.ReadScanline(row, y))
                    throw errors.Failure(path, $"is truncated or corrupt: row {y} cannot be read");
                Convert(row.AsSpan(0, width * sampleBytes), pixels.AsSpan(y * width, width), sampleBytes);
            }
        }
        return new GrayImage<float>(width, height, pixels);
    }

    /// <summary>Whether the page is not old-style (LSB-first) LZW, which is left to LibTiff's scanline reader.</summary>
    private static bool IsNewStyle(Tiff tiff, Compression compression)
    {
        if (compression != Compression.LZW)
            return true;
        var raw = new byte[2];
        return tiff.ReadRawStrip(0, raw, 0, 2) < 2 || !(raw[0] == 0 && (raw[1] & 1) != 0);
    }

    /// <summary>Whether the file starts with a TIFF or BigTIFF signature in either byte order.</summary>
    internal static bool StartsLikeTiff(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        stream.Position = 0;
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length
            && (head.SequenceEqual("II*\0"u8) || head.SequenceEqual("MM\0*"u8) || head.SequenceEqual("II+\0"u8) || head.SequenceEqual("MM\0+"u8));
    }

    internal static int Tag(Tiff tiff, TiffTag tag, string path) =>
        tiff.GetField(tag) is [var value, ..] && value.ToInt() > 0
            ? value.ToInt()
            : throw new InvalidDataException($"{path} is corrupt: its {tag} tag is missing or not positive.");

    /// <summary>Decoded samples (LibTiff has already put them in this machine's byte order) to float32.</summary>
    /// <param name="samples">The samples' bytes.</param>
    /// <param name="pixels">Receives one float per sample.</param>
    /// <param name="sampleBytes">1 for uint8, 2 for uint16, 4 for float32: the only kinds Read accepts.</param>
    private static void Convert(ReadOnlySpan<byte> samples, Span<float> pixels, int sampleBytes)
    {
        switch (sampleBytes)
        {
            case 1: TensorPrimitives.ConvertTruncating(samples, pixels); break;
            case 2: TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, ushort>(samples), pixels); break;
            default: MemoryMarshal.Cast<byte, float>(samples).CopyTo(pixels); break;
        }
    }

    /// <summary>
    /// An exception thrown inside LibTiff on a malformed file, as opposed to ours (already clear), the file
    /// system's (already naming the file) and running out of memory.
    /// </summary>
    internal static bool IsLibTiffFailure(Exception e) =>
        e is not (InvalidDataException or NotSupportedException or IOException or OutOfMemoryException);
}
