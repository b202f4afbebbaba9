using Engine.IO;

namespace Engine.Segmentation;

/// <summary>
/// <see cref="SlidingWindowStitcher"/> for maps larger than memory (whole scroll segments): windows arrive in raster
/// order, the rows they can still touch are held in bands within a memory budget, and each band is finished and
/// appended to a float32 <c>.npy</c> file as soon as the windows' origins have passed it. Every pixel gets the same
/// bits as the in-memory stitcher.
/// </summary>
/// <remarks>
/// Band k covers output rows [k·B, (k + 1)·B). It is stitched by a <see cref="SlidingWindowStitcher"/> over rows
/// [k·B − P, (k + 1)·B + P) ∩ the map (P = the full-resolution window height), so that windows reaching into it from
/// above or below are whole, and the map's own edges stay the edges (trimming with <see cref="StitchOptions.KeepEdges"/>
/// sees them where they are). Windows must come with non-decreasing y: once a window starts at or below (k + 1)·B,
/// no later one can touch band k. Two bands are live at a time, so the budget must hold 5 float32 values (two accumulators in
/// each live band, and the map of the band being finished) for B + 2P rows, with B ≥ P. The fast mode is not supported here: its whole-map upsampling with
/// align_corners depends on the whole map.
/// </remarks>
public sealed class BandedSlidingWindowStitcher : IDisposable
{
    /// <summary>Float32 values held per pixel of a band's extent: two accumulators in each of two live bands, plus a finished map.</summary>
    private const long FloatsPerPixel = 5;

    private readonly AtomicFile _output;
    private readonly FileStream _file;
    private readonly StitchOptions _options;
    private readonly ComputeContext? _compute;
    private readonly Action<int, Span<byte>>? _maskRows;
    private readonly int _windowHeight;
    private readonly List<(int Band, SlidingWindowStitcher Stitcher)> _live = [];
    private int _nextBand;
    private int _lastY;
    private bool _completed;

    /// <summary>Creates the output file and an empty stitcher.</summary>
    /// <param name="outputPath">The .npy file to write (float32, <paramref name="height"/> × <paramref name="width"/>).</param>
    /// <param name="height">Rows of the map.</param>
    /// <param name="width">Columns of the map.</param>
    /// <param name="tileHeight">Rows of each prediction as given.</param>
    /// <param name="tileWidth">Columns of each prediction as given.</param>
    /// <param name="budgetBytes">Memory for the accumulators of the live bands.</param>
    /// <param name="options">As for <see cref="SlidingWindowStitcher"/>; the per-tile mode only.</param>
    /// <param name="maskRows">Optional fragment mask, read in bands: called with a first row and a span of whole rows to fill (non-zero = inside).</param>
    /// <param name="compute">Where to accumulate; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or option is out of range, or the budget cannot hold bands of at least one window's height.</exception>
    /// <exception cref="ArgumentException">The options ask for the fast mode.</exception>
    /// <exception cref="IOException">The file cannot be created.</exception>
    public BandedSlidingWindowStitcher(string outputPath, int height, int width, int tileHeight, int tileWidth, long budgetBytes,
        StitchOptions? options = null, Action<int, Span<byte>>? maskRows = null, ComputeContext? compute = null)
    {
        _options = options ?? new StitchOptions();
        _options.RequirePositiveSizes(height, width, tileHeight, tileWidth);
        if (_options.UpsampleMode == StitchUpsampleMode.Fast && _options.Factor > 1)
            throw new ArgumentException("The banded stitcher runs the per-tile mode only: the fast mode upsamples the whole map at once.", nameof(options));
        Height = height;
        Width = width;
        TileHeight = tileHeight;
        TileWidth = tileWidth;
        _windowHeight = tileHeight * _options.Factor;
        // Two live bands of B + 2P rows with two float32 accumulators a pixel, and one finished band's map.
        long bandRows = budgetBytes / (FloatsPerPixel * sizeof(float) * width) - 2L * _windowHeight;
        if (bandRows < _windowHeight)
        {
            long needed = FloatsPerPixel * sizeof(float) * width * 3 * _windowHeight;
            throw new ArgumentOutOfRangeException(nameof(budgetBytes), budgetBytes, $"A budget of {budgetBytes:N0} bytes cannot hold bands of at least one window ({_windowHeight} rows) over {width:N0} columns; give at least {needed:N0}.");
        }
        BandRows = (int)Math.Min(bandRows, height);
        _compute = compute;
        _maskRows = maskRows;
        // Bands go to a temporary file renamed over outputPath by Complete: a failed run leaves no partial map.
        _output = AtomicFile.Create(outputPath);
        _file = _output.Stream;
        _file.Write(NpyFile.Header("<f4", [height, width]));
    }

    /// <summary>Rows of the map.</summary>
    public int Height { get; }

    /// <summary>Columns of the map.</summary>
    public int Width { get; }

    /// <summary>Rows of each prediction as given.</summary>
    public int TileHeight { get; }

    /// <summary>Columns of each prediction as given.</summary>
    public int TileWidth { get; }

    /// <summary>Output rows per band, from the budget.</summary>
    public int BandRows { get; }

    /// <summary>Output rows written to the file so far.</summary>
    public int RowsWritten => Math.Min(_nextBand * BandRows, Height);

    /// <summary>Adds a batch of windows; bands their origins have passed are finished and written.</summary>
    /// <param name="predictions">N predictions of <see cref="TileHeight"/> × <see cref="TileWidth"/>, row-major.</param>
    /// <param name="origins">N (y, x) origins in full-resolution pixels, y non-decreasing within and across calls.</param>
    /// <exception cref="ArgumentException">As for <see cref="SlidingWindowStitcher.Add"/>, or an origin's y is smaller than an earlier one's.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was called.</exception>
    public void Add(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins)
    {
        if (_completed)
            throw new InvalidOperationException("The map is complete; no more windows can be added.");
        if (origins.Length % 2 != 0)
            throw new ArgumentException($"origins has {origins.Length} values; it must hold (y, x) pairs.", nameof(origins));
        int n = origins.Length / 2, tile = TileHeight * TileWidth;
        if (predictions.Length != (long)n * tile)
            throw new ArgumentException($"predictions has {predictions.Length} values but {n} windows of {TileHeight} × {TileWidth} need {(long)n * tile}.", nameof(predictions));
        int last = _lastY;
        for (int k = 0; k < n; k++)
        {
            int y = origins[2 * k];
            if (y < last)
                throw new ArgumentException($"window {k}'s origin y {y} comes after a window at y {last}: the banded stitcher needs windows in raster order (non-decreasing y).", nameof(origins));
            if (y < 0 || y >= Height || origins[2 * k + 1] < 0 || origins[2 * k + 1] >= Width)
                throw new ArgumentException($"window {k}'s origin (y {y}, x {origins[2 * k + 1]}) is outside the {Height} × {Width} map.", nameof(origins));
            last = y;
        }
        _lastY = last;
        int start = 0;
        while (start < n)
        {
            // Bands wholly above this window are final: no later window can reach them.
            while (origins[2 * start] >= (_nextBand + 1) * BandRows)
                FlushBand();
            int end = start;
            while (end < n && origins[2 * end] < (_nextBand + 1) * BandRows)
                end++;
            AddToLiveBands(predictions.Slice(start * tile, (end - start) * tile), origins.Slice(2 * start, 2 * (end - start)));
            start = end;
        }
    }

    /// <summary>Finishes and writes every remaining band (uncovered rows get the fill value) and renames the finished file to the output path.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Complete()
    {
        if (_completed)
            return;
        while (RowsWritten < Height)
            FlushBand();
        _completed = true;
        _output.Commit();
    }

    /// <summary>Closes the file; a map not <see cref="Complete"/>d is deleted, and a file that was at the output path stays as it was.</summary>
    public void Dispose() => _output.Dispose();

    /// <summary>Map rows [top, bottom) that band <paramref name="band"/>'s stitcher covers: the band with a window's height above and below.</summary>
    private (int Top, int Bottom) Extent(int band) =>
        (Math.Max(0, band * BandRows - _windowHeight), (int)Math.Min(Height, (long)(band + 1) * BandRows + _windowHeight));

    private SlidingWindowStitcher Live(int band)
    {
        foreach (var (b, stitcher) in _live)
        {
            if (b == band)
                return stitcher;
        }
        var (top, bottom) = Extent(band);
        var created = new SlidingWindowStitcher(bottom - top, Width, TileHeight, TileWidth, _options, _compute);
        _live.Add((band, created));
        return created;
    }

    private void AddToLiveBands(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins)
    {
        int n = origins.Length / 2, tile = TileHeight * TileWidth;
        // With B ≥ P, windows starting in band k reach band k + 1 at most.
        for (int band = _nextBand; band <= _nextBand + 1 && band * BandRows < Height; band++)
        {
            var (top, _) = Extent(band);
            var selected = new List<int>();
            for (int k = 0; k < n; k++)
            {
                int y = origins[2 * k];
                if (y < (band + 1) * BandRows && y + _windowHeight > band * BandRows)
                    selected.Add(k);
            }
            if (selected.Count == 0)
                continue;
            var batch = new float[selected.Count * tile];
            var shifted = new int[2 * selected.Count];
            for (int i = 0; i < selected.Count; i++)
            {
                int k = selected[i];
                predictions.Slice(k * tile, tile).CopyTo(batch.AsSpan(i * tile, tile));
                shifted[2 * i] = origins[2 * k] - top;
                shifted[2 * i + 1] = origins[2 * k + 1];
            }
            Live(band).Add(batch, shifted);
        }
    }

    private void FlushBand()
    {
        int band = _nextBand;
        var (top, _) = Extent(band);
        int first = band * BandRows, rows = Math.Min(BandRows, Height - first);
        var stitcher = Live(band);
        var map = stitcher.Finish();
        var output = map.AsSpan((first - top) * Width, rows * Width);
        if (_maskRows is not null)
        {
            var mask = new byte[rows * Width];
            _maskRows(first, mask);
            for (int i = 0; i < mask.Length; i++)
            {
                if (mask[i] == 0)
                    output[i] = 0;
            }
        }
        _file.Write(MemoryMarshal.AsBytes(output));
        _live.RemoveAll(l => l.Band == band);
        _nextBand++;
    }
}
