using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace Engine.Volumes;

/// <summary>
/// An on-disk copy of a volume's opened slices, pre-cut into 32 × 32 × Z chunks (Z = the slices, uncompressed, in
/// the volume's sample type) in one memory-mapped file, as the second-place ink-detection solution pre-cut its
/// tiles to speed up epochs: later runs read tiles from it without decoding a TIFF again, and a chunk's Z samples
/// of a 32 × 32 patch lie together, so a tile is 64 contiguous reads for 256 × 256 instead of thousands of rows.
/// </summary>
/// <remarks>
/// The folder holds <c>chunks.bin</c> (chunk rows top to bottom, chunks left to right, each (z, row, column), the
/// edge chunks zero-padded) and <c>chunks.json</c> (the volume's size, sample type, slice range and the length and
/// time of every slice file, so a cache built from other files or from files since changed is refused, and the
/// Adler-32 of every chunk row). A cache whose header is missing is a miss and is rebuilt (the header is written
/// last, so a build cut short leaves none); one whose header is damaged, whose data file has another length, or
/// whose chunk row does not match its checksum (checked the first time a read touches that row) is an
/// <see cref="InvalidDataException"/> that names the file and says to delete the folder — never a wrong value.
/// </remarks>
public sealed class TileCache : IDisposable
{
    /// <summary>Chunk side in pixels: the ink-detection stride, so every tile origin falls on a chunk corner.</summary>
    public const int Chunk = 32;

    private const string DataFile = "chunks.bin";
    private const string HeaderFile = "chunks.json";

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly unsafe byte* _data;
    private readonly bool[] _verified;

    private unsafe TileCache(string directory, CacheHeader header)
    {
        Directory = directory;
        Header = header;
        string path = Path.Combine(directory, DataFile);
        long expected = header.ChunkRows * header.ChunkColumns * ChunkBytes;
        if (new FileInfo(path).Length != expected)
            throw new InvalidDataException($"{path} is {new FileInfo(path).Length} bytes; its header promises {expected}. Delete the cache folder to rebuild it.");
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _data = pointer + _view.PointerOffset;
        _verified = new bool[header.ChunkRows];
    }

    /// <summary>The cache folder.</summary>
    public string Directory { get; }

    internal CacheHeader Header { get; }

    private long ChunkBytes => (long)Header.Slices * Chunk * Chunk * Header.BytesPerSample;

    /// <summary>Opens the cache in <paramref name="directory"/> if it was built from <paramref name="volume"/>'s files as they are now.</summary>
    /// <param name="volume">The volume the cache should hold.</param>
    /// <param name="directory">The cache folder.</param>
    /// <returns>The cache, or null when the folder holds none.</returns>
    /// <exception cref="InvalidDataException">The folder holds a cache of another volume or slice range, or of files changed since; the message says which.</exception>
    public static TileCache? Open(TiffVolume volume, string directory)
    {
        string headerPath = Path.Combine(directory, HeaderFile);
        if (!File.Exists(headerPath))
            return null;
        CacheHeader header;
        try
        {
            byte[] utf8 = File.ReadAllBytes(headerPath);
            // ReadAllText would turn bytes that are not UTF-8 into U+FFFD, which then reach the messages below.
            if (!System.Text.Unicode.Utf8.IsValid(utf8))
                throw new InvalidDataException($"{headerPath} is not valid UTF-8, so it is not a tile-cache header Engine wrote. Delete the cache folder to rebuild it.");
            header = JsonSerializer.Deserialize<CacheHeader>(utf8)
                ?? throw new InvalidDataException($"{headerPath} is empty. Delete the cache folder to rebuild it.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{headerPath} is not a tile-cache header ({Engine.IO.PrintableText.EscapeControls(e.Message)}). Delete the cache folder to rebuild it.", e);
        }
        if (!header.IsWellFormed())
            throw new InvalidDataException($"{headerPath} is damaged or from an older Engine (fields missing or out of range). Delete the cache folder to rebuild it.");
        var wanted = CacheHeader.Of(volume);
        if (!header.Matches(wanted, out string difference))
            throw new InvalidDataException($"The tile cache in {directory} holds {difference}. Delete it or choose another cache folder.");
        return new TileCache(directory, header);
    }

    /// <summary>Writes the cache of <paramref name="volume"/> into <paramref name="directory"/>, replacing any there.</summary>
    /// <param name="volume">The volume, with the slice range to cache.</param>
    /// <param name="directory">The cache folder; created if missing.</param>
    /// <param name="progress">Receives the rows cached so far.</param>
    /// <returns>The open cache.</returns>
    /// <exception cref="InvalidDataException">A slice is truncated or corrupt; the message names it.</exception>
    /// <exception cref="IOException">The cache cannot be written.</exception>
    public static TileCache Build(TiffVolume volume, string directory, IProgress<long>? progress = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        var header = CacheHeader.Of(volume);
        File.Delete(Path.Combine(directory, HeaderFile));
        int bytes = volume.BytesPerSample, width = volume.Width, slices = volume.SliceCount;
        long chunkBytes = (long)slices * Chunk * Chunk * bytes;
        var band = new byte[(long)slices * Chunk * width * bytes];
        var chunk = new byte[chunkBytes * header.ChunkColumns];
        var sums = new uint[header.ChunkRows];
        using (var file = new FileStream(Path.Combine(directory, DataFile), FileMode.Create, FileAccess.Write, FileShare.None))
        {
            for (int cy = 0; cy < header.ChunkRows; cy++)
            {
                int y0 = cy * Chunk, rows = Math.Min(Chunk, volume.Height - y0);
                volume.ReadBand(y0, y0 + rows, 0, width, band);
                Array.Clear(chunk);
                // band is (z, row, column) over the whole width; each chunk takes its 32 columns of every row.
                for (int z = 0; z < slices; z++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        for (int cx = 0; cx < header.ChunkColumns; cx++)
                        {
                            int x0 = cx * Chunk, columns = Math.Min(Chunk, width - x0);
                            band.AsSpan((int)((((long)z * rows + r) * width + x0) * bytes), columns * bytes)
                                .CopyTo(chunk.AsSpan((int)(cx * chunkBytes + (((long)z * Chunk + r) * Chunk) * bytes)));
                        }
                    }
                }
                file.Write(chunk);
                sums[cy] = CompressedBlocks.Adler32(chunk);
                progress?.Report(y0 + rows);
            }
        }
        header = header with { Checksums = sums };
        File.WriteAllText(Path.Combine(directory, HeaderFile), JsonSerializer.Serialize(header));
        return new TileCache(directory, header);
    }

    /// <summary>
    /// Copies rows [<paramref name="y0"/>, <paramref name="y1"/>) × columns [<paramref name="x0"/>,
    /// <paramref name="x1"/>) of every cached slice into <paramref name="destination"/>, laid out (slice, row,
    /// column) as <see cref="TiffVolume.ReadBand"/> lays them.
    /// </summary>
    /// <param name="y0">First row.</param>
    /// <param name="y1">End row (exclusive), at most the volume's height.</param>
    /// <param name="x0">First column.</param>
    /// <param name="x1">End column (exclusive), at most the volume's width.</param>
    /// <param name="destination">At least slices × (y1 − y0) × (x1 − x0) × bytes per sample.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rectangle is outside the volume or empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public unsafe void ReadBand(int y0, int y1, int x0, int x1, Span<byte> destination)
    {
        if (y0 < 0 || y1 > Header.Height || y0 >= y1 || x0 < 0 || x1 > Header.Width || x0 >= x1)
            throw new ArgumentOutOfRangeException(nameof(y0), $"Rows {y0}..{y1} × columns {x0}..{x1} are not a non-empty rectangle inside the cached {Header.Width}×{Header.Height} slices.");
        int bytes = Header.BytesPerSample, width = x1 - x0, height = y1 - y0;
        long needed = (long)Header.Slices * height * width * bytes;
        if (destination.Length < needed)
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the band needs {needed}.", nameof(destination));
        for (int cy = y0 / Chunk; cy * Chunk < y1; cy++)
        {
            Verify(cy);
            for (int cx = x0 / Chunk; cx * Chunk < x1; cx++)
            {
                byte* chunk = _data + ((long)cy * Header.ChunkColumns + cx) * ChunkBytes;
                int top = Math.Max(y0, cy * Chunk), bottom = Math.Min(y1, (cy + 1) * Chunk);
                int left = Math.Max(x0, cx * Chunk), right = Math.Min(x1, (cx + 1) * Chunk);
                int run = (right - left) * bytes;
                for (int z = 0; z < Header.Slices; z++)
                {
                    for (int y = top; y < bottom; y++)
                    {
                        var source = new ReadOnlySpan<byte>(chunk + (((long)z * Chunk + (y - cy * Chunk)) * Chunk + (left - cx * Chunk)) * bytes, run);
                        source.CopyTo(destination.Slice((int)((((long)z * height + (y - y0)) * width + (left - x0)) * bytes)));
                    }
                }
            }
        }
    }

    /// <summary>Checks chunk row <paramref name="cy"/> against its checksum the first time it is read.</summary>
    private unsafe void Verify(int cy)
    {
        if (Volatile.Read(ref _verified[cy]))
            return;
        long rowBytes = Header.ChunkColumns * ChunkBytes;
        uint sum = 1;
        // Adler-32 over spans of at most 1 GiB chained as one stream: the same value Build computed over the row.
        for (long done = 0; done < rowBytes; done += 1 << 30)
            sum = CompressedBlocks.Adler32(new ReadOnlySpan<byte>(_data + cy * rowBytes + done, (int)Math.Min(1 << 30, rowBytes - done)), sum);
        if (sum != Header.Checksums![cy])
            throw new InvalidDataException($"{Path.Combine(Directory, DataFile)} is corrupt: chunk row {cy} (rows {cy * Chunk}..{Math.Min(Header.Height, (cy + 1) * Chunk) - 1}) does not match its checksum; the file was altered since it was built. Delete the cache folder to rebuild it.");
        Volatile.Write(ref _verified[cy], true);
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }
}
