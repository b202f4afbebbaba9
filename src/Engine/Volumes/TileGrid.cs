namespace Engine.Volumes;

/// <summary>
/// The tiles a model reads from a fragment, cut as the winning ink-detection solutions cut them: the slices are
/// padded with zeros at the bottom and right by <c>tile − size % tile</c> (a whole tile when the size is already a
/// multiple: their code does exactly that), origins run over every multiple of the stride from 0 to the padded
/// size minus the tile, and a tile is kept when the mask under it is non-zero anywhere (or, by option,
/// everywhere). Origins are in row-major order, so predictions can be stitched back in the same order.
/// </summary>
public sealed class TileGrid
{
    private readonly TileOrigin[] _origins;

    private TileGrid(int width, int height, int tile, int stride, TileOrigin[] origins)
    {
        Width = width;
        Height = height;
        Tile = tile;
        Stride = stride;
        _origins = origins;
    }

    /// <summary>Slice width in pixels.</summary>
    public int Width { get; }

    /// <summary>Slice height in pixels.</summary>
    public int Height { get; }

    /// <summary>Tile side in pixels.</summary>
    public int Tile { get; }

    /// <summary>Step between tile origins in pixels.</summary>
    public int Stride { get; }

    /// <summary>Width after the zero padding on the right.</summary>
    public int PaddedWidth => Padded(Width, Tile);

    /// <summary>Height after the zero padding at the bottom.</summary>
    public int PaddedHeight => Padded(Height, Tile);

    /// <summary>Tiles kept.</summary>
    public int Count => _origins.Length;

    /// <summary>The origins of the tiles kept, row-major.</summary>
    public ReadOnlySpan<TileOrigin> Origins => _origins;

    /// <summary>The origins as (N, 2) int32 (y, x) pairs, row-major, as <c>coords.npy</c> holds them.</summary>
    public int[] OriginsAsInt32() => MemoryMarshal.Cast<TileOrigin, int>(_origins.AsSpan()).ToArray();

    /// <summary>Tiles [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of this grid as a grid of their own (the windows one region of a map needs).</summary>
    /// <param name="start">Index of the first tile kept.</param>
    /// <param name="count">Tiles kept.</param>
    /// <returns>The grid of those tiles, in the same order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not within the grid.</exception>
    public TileGrid Slice(int start, int count) => new(Width, Height, Tile, Stride, _origins.AsSpan(start, count).ToArray());

    /// <summary>Cuts the grid over <paramref name="mask"/>.</summary>
    /// <param name="mask">The fragment mask, row-major, <paramref name="width"/> × <paramref name="height"/> (non-zero = fragment).</param>
    /// <param name="width">Slice width.</param>
    /// <param name="height">Slice height.</param>
    /// <param name="tile">Tile side, at least 1.</param>
    /// <param name="stride">Step between origins, at least 1.</param>
    /// <param name="rule">Which tiles to keep.</param>
    /// <returns>The grid.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size, the tile or the stride is below 1, or <paramref name="rule"/> is not defined.</exception>
    /// <exception cref="ArgumentException"><paramref name="mask"/> does not hold width × height pixels.</exception>
    public static TileGrid Create(ReadOnlySpan<byte> mask, int width, int height, int tile, int stride,
        TileKeepRule rule = TileKeepRule.AnyMasked)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(tile, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (!Enum.IsDefined(rule))
            throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown tile rule.");
        if (mask.Length != (long)width * height)
            throw new ArgumentException($"The mask has {mask.Length} pixels; a {width}×{height} slice needs {(long)width * height}.", nameof(mask));

        int paddedWidth = Padded(width, tile), paddedHeight = Padded(height, tile);
        long full = (long)tile * tile;
        var origins = new List<TileOrigin>();
        // columnCounts[x]: masked pixels of column x within rows [y, y + tile); moved down by adding and removing
        // rows, so the whole grid costs two passes over the mask whatever the tile and stride.
        var columnCounts = new int[paddedWidth];
        var prefix = new long[paddedWidth + 1];
        int covered = 0; // rows [0, covered) have been added
        int removed = 0; // rows [0, removed) have been taken away again
        for (int y = 0; y + tile <= paddedHeight; y += stride)
        {
            for (; covered < Math.Min(y + tile, height); covered++)
                AddRow(mask.Slice(covered * width, width), columnCounts, +1);
            for (; removed < Math.Min(y, height); removed++)
                AddRow(mask.Slice(removed * width, width), columnCounts, -1);
            for (int x = 0; x < paddedWidth; x++)
                prefix[x + 1] = prefix[x] + columnCounts[x];
            for (int x = 0; x + tile <= paddedWidth; x += stride)
            {
                long count = prefix[x + tile] - prefix[x];
                if (rule == TileKeepRule.AnyMasked ? count > 0 : count == full)
                    origins.Add(new TileOrigin(y, x));
            }
        }
        return new TileGrid(width, height, tile, stride, origins.ToArray());
    }

    private static int Padded(int size, int tile) => size + tile - size % tile;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRow(ReadOnlySpan<byte> row, int[] columnCounts, int sign)
    {
        for (int x = 0; x < row.Length; x++)
            columnCounts[x] += row[x] != 0 ? sign : 0;
    }
}
