using BitMiracle.LibTiff.Classic;
using Engine.IO;
using Microsoft.Win32.SafeHandles;

namespace Engine.Volumes;

/// <summary>
/// One open page of a volume: reads any rectangle of it, decoding only the strips or tiles the rectangle
/// touches. Not thread-safe: a volume reads each slice from one thread at a time.
/// </summary>
internal sealed class TiffSlice : IDisposable
{
    private readonly FileStream _stream;
    private readonly Tiff _tiff;
    private readonly SafeFileHandle _handle;
    private readonly long[]? _rawOffsets;
    private readonly int _rawRowsPerStrip;
    private readonly CompressedBlocks? _blocks;
    private readonly int _sampleBytes;
    private byte[]? _block;

    private TiffSlice(string path, int page, FileStream stream, Tiff tiff)
    {
        Path = path;
        _stream = stream;
        _tiff = tiff;
        _handle = stream.SafeFileHandle;
        Width = TiffImage.Tag(tiff, TiffTag.IMAGEWIDTH, path);
        Height = TiffImage.Tag(tiff, TiffTag.IMAGELENGTH, path);
        int samples = tiff.GetFieldDefaulted(TiffTag.SAMPLESPERPIXEL)[0].ToInt();
        if (samples != 1)
            throw new NotSupportedException($"{Where(path, page)} has {samples} samples per pixel (RGB or similar); a volume's slices must be single-channel grayscale.");
        int bits = tiff.GetFieldDefaulted(TiffTag.BITSPERSAMPLE)[0].ToInt();
        var format = (SampleFormat)tiff.GetFieldDefaulted(TiffTag.SAMPLEFORMAT)[0].ToInt();
        (SampleType, _sampleBytes) = (format, bits) switch
        {
            (SampleFormat.UINT, 8) => (VolumeSampleType.UInt8, 1),
            (SampleFormat.UINT, 16) => (VolumeSampleType.UInt16, 2),
            (SampleFormat.IEEEFP, 32) => (VolumeSampleType.Float32, 4),
            _ => throw new NotSupportedException($"{Where(path, page)} holds {bits}-bit {format} samples; a volume's slices must be 8- or 16-bit UINT or 32-bit IEEEFP."),
        };
        var compression = (Compression)tiff.GetFieldDefaulted(TiffTag.COMPRESSION)[0].ToInt();
        bool tiled = tiff.IsTiled();
        BlockWidth = tiled ? TiffImage.Tag(tiff, TiffTag.TILEWIDTH, path) : Width;
        BlockHeight = tiled
            ? TiffImage.Tag(tiff, TiffTag.TILELENGTH, path)
            : Math.Min(tiff.GetFieldDefaulted(TiffTag.ROWSPERSTRIP)[0].ToInt() is > 0 and var perStrip ? perStrip : Height, Height);
        Info = new TiffSliceInfo(path, page, compression.ToString().ToLowerInvariant(),
            tiff.GetField(TiffTag.PREDICTOR) is [var predictor, ..] ? predictor.ToInt() : 1, tiled, BlockWidth, BlockHeight,
            tiled ? tiff.NumberOfTiles() : tiff.NumberOfStrips(), IsBigTiff(_handle));

        if (CompressedBlocks.For(compression, Info.Predictor) is { } codec)
        {
            var offsets = tiff.GetField(tiled ? TiffTag.TILEOFFSETS : TiffTag.STRIPOFFSETS)[0].TolongArray();
            var counts = tiff.GetField(tiled ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS)[0].TolongArray();
            _blocks = new CompressedBlocks(Where(path, page), _handle, offsets, counts, codec, _sampleBytes, tiff.IsByteSwapped(),
                Info.Predictor, BlockWidth);
        }

        // Uncompressed strips are read straight from the file, rows at a time: a band never reads a whole strip it
        // only partly needs, and there is no LibTiff in the loop at all.
        if (!tiled && compression == Compression.NONE)
        {
            _rawOffsets = tiff.GetField(TiffTag.STRIPOFFSETS)[0].TolongArray();
            long[] counts = tiff.GetField(TiffTag.STRIPBYTECOUNTS)[0].TolongArray();
            long rowBytes = (long)Width * _sampleBytes;
            bool contiguous = true;
            for (int s = 0; s < _rawOffsets.Length; s++)
            {
                long rows = Math.Min(BlockHeight, Height - (long)s * BlockHeight);
                if (rows > 0 && (counts[s] < rows * rowBytes || _rawOffsets[s] + rows * rowBytes > stream.Length))
                    throw new InvalidDataException($"{Where(path, page)} is truncated or corrupt: strip {s} should hold {rows * rowBytes} bytes at offset {_rawOffsets[s]} but the file is {stream.Length} bytes.");
                contiguous &= s == 0 || _rawOffsets[s] == _rawOffsets[s - 1] + BlockHeight * rowBytes;
            }
            // Strips stored one after another (tifffile writes large uncompressed slices one row a strip) read as
            // one: a band is then a single read per slice instead of one per strip.
            _rawRowsPerStrip = contiguous ? Height : BlockHeight;
            if (contiguous)
                _rawOffsets = [_rawOffsets[0]];
        }
    }

    public string Path { get; }

    public int Width { get; }

    public int Height { get; }

    public VolumeSampleType SampleType { get; }

    public int BlockWidth { get; }

    public int BlockHeight { get; }

    public TiffSliceInfo Info { get; }

    /// <summary>Opens page <paramref name="page"/> of <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="page">The page, from 0.</param>
    /// <param name="pages">The file's pages as <see cref="TiffLayout.Read"/> checked them, when the caller has; null checks them here.</param>
    /// <exception cref="InvalidDataException">The file is not a TIFF, its chain of pages or the page's sizes are damaged, or LibTiff cannot read the page; the message names the file and the page.</exception>
    public static TiffSlice Open(string path, int page, IReadOnlyList<TiffPage>? pages = null)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        using var errors = new LibTiffErrors();
        Tiff? tiff = null;
        try
        {
            // Every size LibTiff would allocate for is checked first, and the whole chain of pages with it.
            pages ??= TiffLayout.Read(stream.SafeFileHandle, path);
            if (page >= pages.Count)
                throw new InvalidDataException($"{path} has {pages.Count} pages; page {page} does not exist.");
            tiff = Tiff.ClientOpen(path, "r", stream, new TiffStream())
                ?? throw errors.Failure(path, "is truncated or corrupt: LibTiff cannot open it");
            // Straight to the page's directory, checked above, rather than LibTiff walking the chain again.
            if (page > 0 && !tiff.SetSubDirectory(pages[page].Offset))
                throw errors.Failure(Where(path, page), "is truncated or corrupt: LibTiff cannot read its directory");
            var slice = new TiffSlice(path, page, stream, tiff);
            errors.ThrowIfAny(Where(path, page), "is truncated or corrupt");
            return slice;
        }
        catch (Exception e)
        {
            tiff?.Dispose();
            stream.Dispose();
            if (TiffImage.IsLibTiffFailure(e))
                throw errors.Failure(Where(path, page), $"is corrupt: LibTiff failed with {e.GetType().Name} ({PrintableText.EscapeControls(e.Message)})", e);
            throw;
        }
    }

    /// <summary>Reads and checks the chain of pages of <paramref name="path"/> (<see cref="TiffLayout.Read"/>).</summary>
    public static IReadOnlyList<TiffPage> Pages(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return TiffLayout.Read(stream.SafeFileHandle, path);
    }

    /// <summary>
    /// Copies rows [<paramref name="y0"/>, <paramref name="y1"/>) × columns [<paramref name="x0"/>,
    /// <paramref name="x1"/>) into <paramref name="destination"/>, row-major, as samples in this machine's byte order.
    /// </summary>
    public void Read(int y0, int y1, int x0, int x1, Span<byte> destination)
    {
        using var errors = new LibTiffErrors();
        try
        {
            if (_rawOffsets is not null)
                ReadRaw(y0, y1, x0, x1, destination);
            else if (Info.Tiled)
                ReadTiles(y0, y1, x0, x1, destination, errors);
            else
                ReadStrips(y0, y1, x0, x1, destination, errors);
            errors.ThrowIfAny(Where(Path, Info.Page), "is truncated or corrupt");
        }
        catch (Exception e) when (TiffImage.IsLibTiffFailure(e))
        {
            throw errors.Failure(Where(Path, Info.Page), $"is corrupt: LibTiff failed with {e.GetType().Name} ({PrintableText.EscapeControls(e.Message)})", e);
        }
    }

    private void ReadRaw(int y0, int y1, int x0, int x1, Span<byte> destination)
    {
        int outRow = (x1 - x0) * _sampleBytes;
        long rowBytes = (long)Width * _sampleBytes;
        for (int y = y0; y < y1;)
        {
            int strip = y / _rawRowsPerStrip;
            long offset = _rawOffsets![strip] + (y - (long)strip * _rawRowsPerStrip) * rowBytes + (long)x0 * _sampleBytes;
            // Whole rows are contiguous within a strip, so they come in one read; a column window row by row.
            int rows = x0 == 0 && x1 == Width ? Math.Min(y1, (strip + 1) * _rawRowsPerStrip) - y : 1;
            var part = destination.Slice((y - y0) * outRow, rows * outRow);
            if (RandomAccess.Read(_handle, part, offset) < part.Length)
                throw new InvalidDataException($"{Where(Path, Info.Page)} is truncated: row {y + rows - 1} ends past the end of the file.");
            if (_tiff.IsByteSwapped())
                CompressedBlocks.Swap(part, _sampleBytes);
            y += rows;
        }
    }

    private void ReadStrips(int y0, int y1, int x0, int x1, Span<byte> destination, LibTiffErrors errors)
    {
        int rowBytes = Width * _sampleBytes;
        int outRow = (x1 - x0) * _sampleBytes;
        _block ??= new byte[_tiff.StripSize()];
        for (int strip = y0 / BlockHeight; strip * BlockHeight < y1; strip++)
        {
            int top = strip * BlockHeight;
            int rows = Math.Min(BlockHeight, Height - top);
            bool decoded = _blocks?.Decode(strip, _block.AsSpan(0, rows * rowBytes), $"strip {strip} (rows {top}..{top + rows - 1})", (BlockHeight - rows) * rowBytes) == true;
            if (!decoded && _tiff.ReadEncodedStrip(strip, _block, 0, rows * rowBytes) < rows * rowBytes)
                throw errors.Failure(Where(Path, Info.Page), $"is truncated or corrupt: strip {strip} (rows {top}..{top + rows - 1}) cannot be read");
            for (int y = Math.Max(y0, top); y < Math.Min(y1, top + rows); y++)
                _block.AsSpan((y - top) * rowBytes + x0 * _sampleBytes, outRow).CopyTo(destination.Slice((y - y0) * outRow));
        }
    }

    private void ReadTiles(int y0, int y1, int x0, int x1, Span<byte> destination, LibTiffErrors errors)
    {
        int tileRow = BlockWidth * _sampleBytes;
        int outRow = (x1 - x0) * _sampleBytes;
        _block ??= new byte[_tiff.TileSize()];
        for (int top = y0 / BlockHeight * BlockHeight; top < y1; top += BlockHeight)
        {
            for (int left = x0 / BlockWidth * BlockWidth; left < x1; left += BlockWidth)
            {
                int index = _tiff.ComputeTile(left, top, 0, 0);
                bool decoded = _blocks?.Decode(index, _block, $"tile {index} (x={left}, y={top})") == true;
                if (!decoded && _tiff.ReadEncodedTile(index, _block, 0, _block.Length) < _block.Length)
                    throw errors.Failure(Where(Path, Info.Page), $"is truncated or corrupt: the tile at x={left}, y={top} cannot be read");
                // Edge tiles are padded to the full tile size; only their part inside the rectangle is kept.
                int from = Math.Max(x0, left), to = Math.Min(x1, left + BlockWidth);
                for (int y = Math.Max(y0, top); y < Math.Min(y1, top + BlockHeight); y++)
                {
                    _block.AsSpan((y - top) * tileRow + (from - left) * _sampleBytes, (to - from) * _sampleBytes)
                        .CopyTo(destination.Slice((y - y0) * outRow + (from - x0) * _sampleBytes));
                }
            }
        }
    }

    /// <summary>BigTIFF has version 43 where classic TIFF has 42, in the file's byte order.</summary>
    private static bool IsBigTiff(SafeFileHandle handle)
    {
        Span<byte> head = stackalloc byte[4];
        return RandomAccess.Read(handle, head, 0) == 4 && (head[2] == 43 || head[3] == 43);
    }

    /// <summary>The file, and the page when it is not the first, for messages.</summary>
    internal static string Where(string path, int page) => TiffLayout.Where(path, page);

    public void Dispose()
    {
        using (new LibTiffErrors())
            _tiff.Dispose();
        _stream.Dispose();
    }
}
