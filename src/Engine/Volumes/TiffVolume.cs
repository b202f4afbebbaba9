using System.Globalization;

namespace Engine.Volumes;

/// <summary>
/// A stack of single-channel TIFF slices — a directory of per-slice files (<c>00.tif</c> … <c>64.tif</c>, the
/// ink-detection layout) or one multi-page file — opened for reading regions of any slice range, without ever
/// holding a whole slice unless asked to.
/// </summary>
/// <remarks>
/// Slices may be 8/16-bit unsigned or 32-bit float, striped or tiled, uncompressed, LZW, Deflate, Adobe Deflate
/// or PackBits, with or without a predictor, classic TIFF or BigTIFF — whatever LibTiff.NET decodes; every slice
/// must have the size and sample type of the first. Each slice keeps its file open until the volume is
/// disposed. Reads of different slices run in parallel; one slice is read by one thread at a time.
/// </remarks>
public sealed class TiffVolume : IDisposable
{
    private readonly TiffSlice[] _slices;
    private readonly Lock[] _gates;

    private TiffVolume(string source, bool multiPage, int totalSlices, SliceRange range, TiffSlice[] slices)
    {
        Source = source;
        IsMultiPage = multiPage;
        TotalSlices = totalSlices;
        Range = range;
        _slices = slices;
        _gates = slices.Select(_ => new Lock()).ToArray();
        var first = slices[0];
        foreach (var slice in slices)
        {
            string where = TiffSlice.Where(slice.Path, slice.Info.Page);
            string firstWhere = TiffSlice.Where(first.Path, first.Info.Page);
            if (slice.Width != first.Width || slice.Height != first.Height)
                throw new InvalidDataException($"{where} is {slice.Width}×{slice.Height} pixels but {firstWhere} is {first.Width}×{first.Height}; every slice of a volume must have the same size.");
            if (slice.SampleType != first.SampleType)
                throw new InvalidDataException($"{where} holds {slice.SampleType} samples but {firstWhere} holds {first.SampleType}; every slice of a volume must have the same sample type.");
        }
    }

    /// <summary>The directory or multi-page file the volume was opened from.</summary>
    public string Source { get; }

    /// <summary>Whether the slices are the pages of one file rather than one file each.</summary>
    public bool IsMultiPage { get; }

    /// <summary>Slices in the source, before the range was applied.</summary>
    public int TotalSlices { get; }

    /// <summary>The slices opened, as positions in the source.</summary>
    public SliceRange Range { get; }

    /// <summary>Slices opened (the range's length); slice 0 of every read is <see cref="Range"/>.First.</summary>
    public int SliceCount => _slices.Length;

    /// <summary>Pixels per row.</summary>
    public int Width => _slices[0].Width;

    /// <summary>Rows per slice.</summary>
    public int Height => _slices[0].Height;

    /// <summary>The sample type every slice holds.</summary>
    public VolumeSampleType SampleType => _slices[0].SampleType;

    /// <summary>Bytes per sample: 1, 2 or 4.</summary>
    public int BytesPerSample => SampleType switch { VolumeSampleType.UInt8 => 1, VolumeSampleType.UInt16 => 2, _ => 4 };

    /// <summary>Uncompressed bytes of the opened slices.</summary>
    public long UncompressedBytes => (long)Width * Height * BytesPerSample * SliceCount;

    /// <summary>What each opened slice's file says about it.</summary>
    public IReadOnlyList<TiffSliceInfo> Slices => _slices.Select(s => s.Info).ToArray();

    /// <summary>Opens a directory of slice files or a multi-page TIFF.</summary>
    /// <param name="path">A directory whose TIFF files are named by their slice number (<c>00.tif</c>, <c>1.tiff</c>, …;
    /// other files are ignored), or a TIFF file whose pages are the slices.</param>
    /// <param name="range">The slices to open; null opens all.</param>
    /// <returns>The open volume; dispose it to close the files.</returns>
    /// <exception cref="FileNotFoundException"><paramref name="path"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">The directory has no numbered TIFF files or a gap in the numbers (a missing slice); a file is not a TIFF, is truncated or corrupt; or a slice's size or sample type differs from the first's. The message names the file.</exception>
    /// <exception cref="NotSupportedException">A slice has more than one sample per pixel (RGB) or an unsupported sample type; the message names the file.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="range"/> reaches past the last slice.</exception>
    /// <exception cref="IOException">A file cannot be opened or read.</exception>
    public static TiffVolume Open(string path, SliceRange? range = null)
    {
        if (Directory.Exists(path))
        {
            var files = SliceFiles(path);
            var selected = Select(range, files.Length, path);
            return Build(path, multiPage: false, files.Length, selected, i => TiffSlice.Open(files[i], 0));
        }
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is neither a directory of TIFF slices nor a TIFF file.", path);

        // The whole chain of pages is checked once: one cut short, looping or pointing at garbage is an error
        // naming the page, never a volume of fewer slices.
        var pages = TiffSlice.Pages(path);
        var pageRange = Select(range, pages.Count, path);
        return Build(path, multiPage: true, pages.Count, pageRange, i => TiffSlice.Open(path, i, pages));
    }

    private static TiffVolume Build(string path, bool multiPage, int total, SliceRange range, Func<int, TiffSlice> open)
    {
        var slices = new TiffSlice[range.Count];
        try
        {
            // Opening reads each slice's directory: in parallel, as a network or cold disk makes it slow.
            ForEachSlice(slices.Length, i => slices[i] = open(range.First + i));
            return new TiffVolume(path, multiPage, total, range, slices);
        }
        catch
        {
            foreach (var slice in slices)
                slice?.Dispose();
            throw;
        }
    }

    /// <summary>The numbered TIFF files of a directory in numeric order, with no gaps.</summary>
    private static string[] SliceFiles(string directory)
    {
        var numbered = new SortedDictionary<long, string>();
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            string extension = Path.GetExtension(file).ToLowerInvariant();
            if (extension is not (".tif" or ".tiff")
                || !long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long number))
                continue;
            if (!numbered.TryAdd(number, file))
                throw new InvalidDataException($"{directory} has two files for slice {number}: {numbered[number]} and {file}.");
        }
        if (numbered.Count == 0)
            throw new InvalidDataException($"{directory} has no TIFF slices: a volume directory holds files named by slice number (00.tif, 01.tif, …).");
        long expected = numbered.Keys.First();
        foreach (var (number, file) in numbered)
        {
            if (number != expected)
                throw new InvalidDataException($"{directory} is missing slice {expected}: the slice before {Path.GetFileName(file)} is {expected - 1}.");
            expected++;
        }
        return numbered.Values.ToArray();
    }

    private static SliceRange Select(SliceRange? range, int total, string path)
    {
        var selected = range ?? new SliceRange(0, total - 1);
        if (selected.First < 0 || selected.Last >= total)
            throw new ArgumentOutOfRangeException(nameof(range), selected, $"The slice range {selected} reaches past {path}'s {total} slices (0..{total - 1}).");
        return selected;
    }

    /// <summary>
    /// Reads rows [<paramref name="y0"/>, <paramref name="y1"/>) × columns [<paramref name="x0"/>,
    /// <paramref name="x1"/>) of one slice into <paramref name="destination"/> (row-major, samples in this machine's
    /// byte order), decoding only the strips or tiles that the rectangle touches.
    /// </summary>
    /// <param name="slice">The slice, from 0 within <see cref="Range"/>.</param>
    /// <param name="y0">First row.</param>
    /// <param name="y1">End row (exclusive).</param>
    /// <param name="x0">First column.</param>
    /// <param name="x1">End column (exclusive).</param>
    /// <param name="destination">At least (y1 − y0) × (x1 − x0) × <see cref="BytesPerSample"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The slice or the rectangle is outside the volume, or the rectangle is empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt; the message names it.</exception>
    public void ReadRegion(int slice, int y0, int y1, int x0, int x1, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slice);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slice, SliceCount);
        CheckRectangle(y0, y1, x0, x1, destination.Length);
        lock (_gates[slice])
            _slices[slice].Read(y0, y1, x0, x1, destination);
    }

    /// <summary>
    /// Reads the same rectangle of every opened slice, decoding the slices in parallel, into
    /// <paramref name="destination"/> laid out (slice, row, column).
    /// </summary>
    /// <param name="y0">First row.</param>
    /// <param name="y1">End row (exclusive).</param>
    /// <param name="x0">First column.</param>
    /// <param name="x1">End column (exclusive).</param>
    /// <param name="destination">At least <see cref="SliceCount"/> × (y1 − y0) × (x1 − x0) × <see cref="BytesPerSample"/> bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rectangle is outside the volume or empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    /// <exception cref="InvalidDataException">A file is truncated or corrupt; the message names it.</exception>
    public void ReadBand(int y0, int y1, int x0, int x1, Memory<byte> destination)
    {
        long sliceBytes = (long)(y1 - y0) * (x1 - x0) * BytesPerSample;
        CheckRectangle(y0, y1, x0, x1, destination.Length / Math.Max(SliceCount, 1));
        ForEachSlice(SliceCount, s =>
        {
            var part = destination.Span.Slice((int)(s * sliceBytes), (int)sliceBytes);
            lock (_gates[s])
                _slices[s].Read(y0, y1, x0, x1, part);
        });
    }

    /// <summary>Runs <paramref name="body"/> for every slice in parallel, rethrowing a failure as itself.</summary>
    private static void ForEachSlice(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The slice's own exception, already naming its file, rather than "one or more errors occurred".
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }

    /// <summary>Reads one whole slice as <typeparamref name="T"/> samples (byte, ushort or float, matching <see cref="SampleType"/>).</summary>
    /// <param name="slice">The slice, from 0 within <see cref="Range"/>.</param>
    /// <returns>Width × Height samples, row-major.</returns>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> does not match <see cref="SampleType"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slice"/> is outside the range.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt; the message names it.</exception>
    public T[] ReadSlice<T>(int slice) where T : unmanaged
    {
        if (System.Runtime.CompilerServices.Unsafe.SizeOf<T>() != BytesPerSample
            || (SampleType == VolumeSampleType.Float32) != (typeof(T) == typeof(float)))
            throw new ArgumentException($"{Source} holds {SampleType} samples, not {typeof(T).Name}.", nameof(T));
        var pixels = new T[(long)Width * Height];
        ReadRegion(slice, 0, Height, 0, Width, System.Runtime.InteropServices.MemoryMarshal.AsBytes(pixels.AsSpan()));
        return pixels;
    }

    private void CheckRectangle(int y0, int y1, int x0, int x1, long available)
    {
        if (y0 < 0 || y1 > Height || y0 >= y1 || x0 < 0 || x1 > Width || x0 >= x1)
            throw new ArgumentOutOfRangeException(nameof(y0), $"Rows {y0}..{y1} × columns {x0}..{x1} (end exclusive) are not a non-empty rectangle inside {Source}'s {Width}×{Height} slices.");
        long needed = (long)(y1 - y0) * (x1 - x0) * BytesPerSample;
        if (available < needed)
            throw new ArgumentException($"The destination holds {available} bytes per slice; rows {y0}..{y1} × columns {x0}..{x1} need {needed}.", "destination");
    }

    /// <summary>Closes every slice's file.</summary>
    public void Dispose()
    {
        foreach (var slice in _slices)
            slice.Dispose();
    }
}
