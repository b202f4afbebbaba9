namespace Engine.Segmentation;

/// <summary>
/// A <see cref="SlidingWindowStitcher"/> map split into bands of rows that are stitched apart (on other threads,
/// processes or machines) and put back together equal to the single-map stitcher bit for bit.
/// </summary>
/// <remarks>
/// Each region owns a disjoint band of rows and stitches every window that reaches into it, in the order the windows
/// are given, over its rows with a halo of one window's height above and below. A pixel's Σ w·p and Σ w are thus
/// computed entirely in the one region that owns it, from the same windows in the same order as in the whole map,
/// so the merge is a copy of each region's own rows: no arithmetic, no rounding. The halo keeps every window that
/// reaches the owned rows whole, and keeps the map's edges the only edges a window can touch (trimming with
/// <see cref="StitchOptions.KeepEdges"/> sees them where they are). Columns are not split, so each row is accumulated
/// at the same offsets, by the same vector lanes, as in the whole map. The fast mode is not supported: it upsamples
/// the whole finished map at once, with align_corners over the whole map's size.
/// </remarks>
/// <example>
/// <code>
/// var split = new StitchRegions(height, width, 8, 8, regionCount: 4, new StitchOptions { Factor = 32 });
/// float[][] parts = split.Regions.Select(r => split.Stitch(r, predictions, origins, mask)).ToArray();  // anywhere
/// float[] map = split.Merge(parts);   // == SlidingWindowStitcher.Stitch(predictions, origins, …, mask)
/// </code>
/// </example>
public sealed class StitchRegions
{
    private readonly ComputeContext? _compute;
    private readonly int _windowHeight;

    /// <summary>Splits a map's rows into <paramref name="regionCount"/> bands as even as whole rows allow.</summary>
    /// <param name="height">Rows of the full-resolution map.</param>
    /// <param name="width">Columns of the map.</param>
    /// <param name="tileHeight">Rows of each prediction as given (before upsampling).</param>
    /// <param name="tileWidth">Columns of each prediction as given.</param>
    /// <param name="regionCount">Bands to split the rows into, 1 to <paramref name="height"/>.</param>
    /// <param name="options">As for <see cref="SlidingWindowStitcher"/>; the per-tile mode only.</param>
    /// <param name="compute">Where each region accumulates; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, the factor or the region count is out of range.</exception>
    /// <exception cref="ArgumentException">The options ask for the fast mode.</exception>
    public StitchRegions(int height, int width, int tileHeight, int tileWidth, int regionCount, StitchOptions? options = null,
        ComputeContext? compute = null)
    {
        Options = options ?? new StitchOptions();
        Options.RequirePositiveSizes(height, width, tileHeight, tileWidth);
        if (Options.UpsampleMode == StitchUpsampleMode.Fast && Options.Factor > 1)
            throw new ArgumentException("Regions stitch in the per-tile mode only: the fast mode upsamples the whole map at once.", nameof(options));
        if (regionCount < 1 || regionCount > height)
            throw new ArgumentOutOfRangeException(nameof(regionCount), regionCount, $"Region count {regionCount} must be between 1 and the map's {height} rows.");
        Height = height;
        Width = width;
        TileHeight = tileHeight;
        TileWidth = tileWidth;
        _compute = compute;
        _windowHeight = tileHeight * Options.Factor;
        var regions = new StitchRegion[regionCount];
        for (int i = 0; i < regionCount; i++)
        {
            int top = (int)((long)height * i / regionCount), bottom = (int)((long)height * (i + 1) / regionCount);
            regions[i] = new StitchRegion(i, top, bottom, Math.Max(0, top - _windowHeight), (int)Math.Min(height, (long)bottom + _windowHeight));
        }
        Regions = regions;
    }

    /// <summary>Rows of the map.</summary>
    public int Height { get; }

    /// <summary>Columns of the map.</summary>
    public int Width { get; }

    /// <summary>Rows of each prediction as given.</summary>
    public int TileHeight { get; }

    /// <summary>Columns of each prediction as given.</summary>
    public int TileWidth { get; }

    /// <summary>The stitching options every region uses.</summary>
    public StitchOptions Options { get; }

    /// <summary>The regions, top to bottom; their owned rows cover the map once.</summary>
    public IReadOnlyList<StitchRegion> Regions { get; }

    /// <summary>Whether a window with its origin at map row <paramref name="originY"/> reaches into the rows <paramref name="region"/> owns (so its prediction is needed there).</summary>
    /// <param name="region">One of <see cref="Regions"/>.</param>
    /// <param name="originY">The window's top row in full-resolution pixels.</param>
    /// <returns>True when the window's rows meet the region's own.</returns>
    public bool Reaches(StitchRegion region, int originY) => originY < region.Bottom && originY + _windowHeight > region.Top;

    /// <summary>Stitches one region: its owned rows of the map, from every window given that reaches them.</summary>
    /// <param name="region">One of <see cref="Regions"/>.</param>
    /// <param name="predictions">N predictions of <see cref="TileHeight"/> × <see cref="TileWidth"/>, row-major; windows that do not reach the region are skipped, so all of the map's may be passed.</param>
    /// <param name="origins">N (y, x) origins in map pixels, in the order the whole map would add them.</param>
    /// <param name="mask">Optional fragment mask of the whole map (non-zero = inside), or empty.</param>
    /// <returns>The region's <see cref="StitchRegion.Rows"/> × <see cref="Width"/> rows of the map, row-major.</returns>
    /// <exception cref="ArgumentException">As for <see cref="SlidingWindowStitcher.Add"/> and <see cref="SlidingWindowStitcher.Finish(Span{float}, ReadOnlySpan{byte})"/>, with the region's and the map's sizes, or <paramref name="region"/> is not one of this split's.</exception>
    public float[] Stitch(StitchRegion region, ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins, ReadOnlySpan<byte> mask = default)
    {
        if ((uint)region.Index >= (uint)Regions.Count || Regions[region.Index] != region)
            throw new ArgumentException($"{region} is not one of the {Regions.Count} regions of this {Height} × {Width} split.", nameof(region));
        if (origins.Length % 2 != 0)
            throw new ArgumentException($"origins has {origins.Length} values; it must hold (y, x) pairs.", nameof(origins));
        int n = origins.Length / 2, tile = TileHeight * TileWidth;
        if (predictions.Length != (long)n * tile)
            throw new ArgumentException($"predictions has {predictions.Length} values but {n} windows of {TileHeight} × {TileWidth} need {(long)n * tile}.", nameof(predictions));
        if (!mask.IsEmpty && mask.Length != (long)Height * Width)
            throw new ArgumentException($"mask has {mask.Length} values but the map is {Height} × {Width} = {(long)Height * Width}.", nameof(mask));
        for (int k = 0; k < n; k++)
        {
            int y = origins[2 * k], x = origins[2 * k + 1];
            if (y < 0 || y >= Height || x < 0 || x >= Width)
                throw new ArgumentException($"window {k}'s origin (y {y}, x {x}) is outside the {Height} × {Width} map.", nameof(origins));
        }

        var selected = new List<int>();
        for (int k = 0; k < n; k++)
        {
            if (Reaches(region, origins[2 * k]))
                selected.Add(k);
        }
        var batch = new float[selected.Count * tile];
        var shifted = new int[2 * selected.Count];
        for (int i = 0; i < selected.Count; i++)
        {
            int k = selected[i];
            predictions.Slice(k * tile, tile).CopyTo(batch.AsSpan(i * tile, tile));
            shifted[2 * i] = origins[2 * k] - region.ExtentTop;
            shifted[2 * i + 1] = origins[2 * k + 1];
        }
        var stitcher = new SlidingWindowStitcher(region.ExtentBottom - region.ExtentTop, Width, TileHeight, TileWidth, Options, _compute);
        stitcher.Add(batch, shifted);
        var extent = stitcher.Finish(mask.IsEmpty ? default : mask.Slice(region.ExtentTop * Width, (region.ExtentBottom - region.ExtentTop) * Width));
        return extent.AsSpan((region.Top - region.ExtentTop) * Width, region.Rows * Width).ToArray();
    }

    /// <summary>Puts the regions' rows together into the whole map.</summary>
    /// <param name="parts">Each region's <see cref="Stitch"/> result, in the order of <see cref="Regions"/>.</param>
    /// <returns>The map, <see cref="Height"/> × <see cref="Width"/>, row-major.</returns>
    /// <exception cref="ArgumentException">The number of parts or a part's length does not match its region.</exception>
    public float[] Merge(IReadOnlyList<float[]> parts)
    {
        if (parts.Count != Regions.Count)
            throw new ArgumentException($"{parts.Count} parts given for {Regions.Count} regions.", nameof(parts));
        var map = new float[checked(Height * Width)];
        foreach (var region in Regions)
        {
            var part = parts[region.Index];
            if (part.Length != (long)region.Rows * Width)
                throw new ArgumentException($"Part {region.Index} has {part.Length} values but region {region.Index} owns rows {region.Top}..{region.Bottom} × {Width} = {(long)region.Rows * Width}.", nameof(parts));
            part.CopyTo(map, (long)region.Top * Width);
        }
        return map;
    }
}
