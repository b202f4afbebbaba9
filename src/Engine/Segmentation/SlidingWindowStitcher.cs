using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// Stitches overlapping window predictions into a full-resolution map: Σ wᵢ·pᵢ / Σ wᵢ per pixel, cropped to the map,
/// with optional upsampling of low-resolution predictions, Gaussian weights, inner trimming, a fragment mask and
/// sigmoid placement — the loop of the winning ink-detection solutions (and MONAI's sliding-window blending),
/// equal to it bit for bit in float32.
/// </summary>
/// <remarks>
/// Sums and weights accumulate in float32 over disjoint bands of rows in parallel; each band applies the windows
/// in the order they were added, so the result is reproducible bit for bit whatever the number of threads, and
/// equals numpy's <c>acc[y:y+P, x:x+Q] += w * p</c> run window after window. <see cref="Add"/> may be called from
/// several threads: batches are applied one at a time, in the order the calls take the stitcher's lock (pass
/// batches in a fixed order for a reproducible result).
/// </remarks>
/// <example>
/// <code>
/// var stitcher = new SlidingWindowStitcher(height, width, 8, 8, new StitchOptions { Factor = 32 });
/// foreach (var (preds, origins) in batches) stitcher.Add(preds, origins);   // (N, 8, 8) and (N, 2) as (y, x)
/// float[] probabilities = stitcher.Finish(mask);
/// </code>
/// </example>
public sealed partial class SlidingWindowStitcher
{
    /// <summary>Accumulator rows per parallel work item: small enough to share a batch's rows among cores.</summary>
    private const int BandRows = 64;

    private readonly float[] _sum;
    private readonly float[] _count;
    private readonly float[]? _weights;
    private readonly UpsampleAxis _rows;
    private readonly UpsampleAxis _cols;
    private readonly ComputeContext? _compute;
    private readonly Lock _gate = new();

    /// <summary>The counted rectangle of every window (y0, y1, x0, x1) when the CPU path has constant weights; null otherwise.</summary>
    private readonly List<int>? _rectangles;
    private readonly int _accHeight, _accWidth, _windowHeight, _windowWidth, _scale;
    private readonly int? _inner;
    private long _windows;

    /// <summary>Creates an empty stitcher.</summary>
    /// <param name="height">Rows of the full-resolution map.</param>
    /// <param name="width">Columns of the full-resolution map.</param>
    /// <param name="tileHeight">Rows of each prediction as given (before upsampling).</param>
    /// <param name="tileWidth">Columns of each prediction as given.</param>
    /// <param name="options">Upsampling, weights, trimming, activation; null for the defaults.</param>
    /// <param name="compute">Where to accumulate; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, the factor, the inner size or sigma_scale is out of range.</exception>
    /// <exception cref="ArgumentException">The explicit weights do not fit the window, or the fast mode's sizes do not divide by the factor.</exception>
    public SlidingWindowStitcher(int height, int width, int tileHeight, int tileWidth, StitchOptions? options = null,
        ComputeContext? compute = null)
    {
        Options = options ?? new StitchOptions();
        Options.RequirePositiveSizes(height, width, tileHeight, tileWidth);
        int factor = Options.Factor;
        Height = height;
        Width = width;
        TileHeight = tileHeight;
        TileWidth = tileWidth;
        _compute = compute;
        bool fast = Options.UpsampleMode == StitchUpsampleMode.Fast && factor > 1;
        _scale = fast ? factor : 1;
        _accHeight = fast ? (height + factor - 1) / factor : height;
        _accWidth = fast ? (width + factor - 1) / factor : width;
        _windowHeight = fast ? tileHeight : tileHeight * factor;
        _windowWidth = fast ? tileWidth : tileWidth * factor;
        int accumulatorUpsampling = fast ? 1 : factor;
        _rows = new UpsampleAxis(tileHeight, accumulatorUpsampling, Options.Upsampling, Options.AlignCorners);
        _cols = new UpsampleAxis(tileWidth, accumulatorUpsampling, Options.Upsampling, Options.AlignCorners);

        if (Options.Inner is int inner)
        {
            if (inner < 1 || inner > tileHeight * factor || inner > tileWidth * factor)
                throw new ArgumentOutOfRangeException(nameof(options), inner, $"Inner {inner} must be between 1 and the window size {tileHeight * factor} × {tileWidth * factor}.");
            if (fast && inner % factor != 0)
                throw new ArgumentException($"Inner {inner} must be a multiple of the factor {factor} in the fast mode, which trims at low resolution.", nameof(options));
            _inner = inner / _scale;
        }
        if (Options.Weights is { } explicitWeights)
        {
            if (explicitWeights.Length != _windowHeight * _windowWidth)
                throw new ArgumentException($"Weights has {explicitWeights.Length} values but the {(fast ? "low-resolution " : "")}window is {_windowHeight} × {_windowWidth} = {_windowHeight * _windowWidth}.", nameof(options));
            _weights = explicitWeights;
        }
        else if (Options.Weighting == StitchWeighting.Gaussian)
        {
            _weights = StitchWeights.Gaussian(_windowHeight, _windowWidth, Options.SigmaScale);
        }
        if (_weights is null && compute is not { UsesKernels: true })
            _rectangles = [];
        _sum = new float[checked(_accHeight * _accWidth)];
        _count = new float[_sum.Length];
    }

    /// <summary>Rows of the full-resolution map.</summary>
    public int Height { get; }

    /// <summary>Columns of the full-resolution map.</summary>
    public int Width { get; }

    /// <summary>Rows of each prediction as given.</summary>
    public int TileHeight { get; }

    /// <summary>Columns of each prediction as given.</summary>
    public int TileWidth { get; }

    /// <summary>The options in force.</summary>
    public StitchOptions Options { get; }

    /// <summary>Windows added so far.</summary>
    public long WindowCount => Interlocked.Read(ref _windows);

    /// <summary>Adds a batch of window predictions.</summary>
    /// <param name="predictions">N predictions of <see cref="TileHeight"/> × <see cref="TileWidth"/>, row-major, one after another ((N, h, w) or (N, 1, h, w) in C order).</param>
    /// <param name="origins">N (y, x) pairs: each window's top-left corner in full-resolution pixels. A window may hang over the bottom or right edge; its origin must lie inside the map.</param>
    /// <exception cref="ArgumentException">The lengths do not agree, an origin lies outside the map (or is not a multiple of the factor in the fast mode), or a prediction is NaN.</exception>
    public void Add(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins)
    {
        if (origins.Length % 2 != 0)
            throw new ArgumentException($"origins has {origins.Length} values; it must hold (y, x) pairs.", nameof(origins));
        int n = origins.Length / 2;
        int tileLength = TileHeight * TileWidth;
        if (predictions.Length != (long)n * tileLength)
            throw new ArgumentException($"predictions has {predictions.Length} values but {n} windows of {TileHeight} × {TileWidth} need {(long)n * tileLength}.", nameof(predictions));
        for (int k = 0; k < n; k++)
        {
            int y = origins[2 * k], x = origins[2 * k + 1];
            if (y < 0 || y >= Height || x < 0 || x >= Width)
                throw new ArgumentException($"window {k}'s origin (y {y}, x {x}) is outside the {Height} × {Width} map.", nameof(origins));
            if (_scale > 1 && (y % _scale != 0 || x % _scale != 0))
                throw new ArgumentException($"window {k}'s origin (y {y}, x {x}) is not a multiple of the factor {_scale}, which the fast mode needs; use the per-tile mode.", nameof(origins));
        }
        int nan = ElementWise.IndexOfNaN(predictions);
        if (nan >= 0)
            throw new ArgumentException($"prediction {nan / tileLength} is NaN at row {nan % tileLength / TileWidth}, column {nan % TileWidth}: the model produced a non-finite value.", nameof(predictions));
        if (n == 0)
            return;

        float[]? activated = null;
        if (Options.Activation == StitchActivation.SigmoidBeforeUpsample)
        {
            activated = predictions.ToArray();
            Sigmoid(activated);
        }
        var windows = Windows(origins);
        lock (_gate)
        {
            if (_compute is { UsesKernels: true })
                AccumulateKernel(_compute, activated ?? predictions, windows, n);
            else
                AccumulateSimd(activated ?? predictions, windows, n);
            for (int k = 0; _rectangles is not null && k < n; k++)
            {
                var window = windows[k];
                if (window.IsEmpty)
                    continue;
                _rectangles.Add(window.Y + window.RowFrom);
                _rectangles.Add(window.Y + window.RowTo);
                _rectangles.Add(window.X + window.ColumnFrom);
                _rectangles.Add(window.X + window.ColumnTo);
            }
            _windows += n;
        }
    }

    /// <summary>Writes the stitched map (<see cref="Height"/> × <see cref="Width"/>, row-major) to <paramref name="output"/>.</summary>
    /// <param name="output">Receives the map.</param>
    /// <param name="mask">Optional fragment mask of the same size (non-zero = inside): pixels outside are 0.</param>
    /// <exception cref="ArgumentException">A span's length does not match the map.</exception>
    public void Finish(Span<float> output, ReadOnlySpan<byte> mask = default)
    {
        long length = (long)Height * Width;
        if (output.Length != length)
            throw new ArgumentException($"output has {output.Length} values but the map is {Height} × {Width} = {length}.", nameof(output));
        if (!mask.IsEmpty && mask.Length != length)
            throw new ArgumentException($"mask has {mask.Length} values but the map is {Height} × {Width} = {length}.", nameof(mask));
        lock (_gate)
        {
            DownloadAccumulators();
            if (_rectangles is not null)
                CountWindows();
            if (_scale == 1)
                FinishFullResolution(output, mask);
            else
                FinishFast(output, mask);
        }
    }

    /// <summary>Allocating overload of <see cref="Finish(Span{float}, ReadOnlySpan{byte})"/>.</summary>
    /// <param name="mask">Optional fragment mask of the same size (non-zero = inside): pixels outside are 0.</param>
    /// <returns>The stitched map, row-major.</returns>
    /// <exception cref="ArgumentException">The mask's length does not match the map.</exception>
    public float[] Finish(ReadOnlySpan<byte> mask = default)
    {
        var output = new float[checked(Height * Width)];
        Finish(output, mask);
        return output;
    }

    /// <summary>One call: stitches all <paramref name="predictions"/> at <paramref name="origins"/> into a new map.</summary>
    /// <param name="predictions">N predictions of <paramref name="tileHeight"/> × <paramref name="tileWidth"/>.</param>
    /// <param name="origins">N (y, x) window origins in full-resolution pixels.</param>
    /// <param name="height">Rows of the map.</param>
    /// <param name="width">Columns of the map.</param>
    /// <param name="tileHeight">Rows of each prediction.</param>
    /// <param name="tileWidth">Columns of each prediction.</param>
    /// <param name="options">Upsampling, weights, trimming, activation; null for the defaults.</param>
    /// <param name="mask">Optional fragment mask (non-zero = inside).</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>The stitched map, row-major.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size or option is out of range.</exception>
    /// <exception cref="ArgumentException">Lengths disagree, an origin is outside the map, or a prediction is NaN.</exception>
    public static float[] Stitch(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins, int height, int width,
        int tileHeight, int tileWidth, StitchOptions? options = null, ReadOnlySpan<byte> mask = default,
        ComputeContext? compute = null)
    {
        var stitcher = new SlidingWindowStitcher(height, width, tileHeight, tileWidth, options, compute);
        stitcher.Add(predictions, origins);
        return stitcher.Finish(mask);
    }

    /// <summary>Each window's placement in accumulator coordinates.</summary>
    private StitchWindow[] Windows(ReadOnlySpan<int> origins)
    {
        int n = origins.Length / 2;
        var windows = new StitchWindow[n];
        for (int k = 0; k < n; k++)
        {
            int y = origins[2 * k] / _scale, x = origins[2 * k + 1] / _scale;
            var (r0, r1) = Counted(y, _windowHeight, _accHeight);
            var (c0, c1) = Counted(x, _windowWidth, _accWidth);
            windows[k] = new StitchWindow(y, x, r0, Math.Min(r1, _accHeight - y), c0, Math.Min(c1, _accWidth - x));
        }
        return windows;
    }

    private (int From, int To) Counted(int origin, int size, int mapSize)
    {
        if (_inner is not int inner)
            return (0, size);
        int from = (size - inner) / 2, to = from + inner;
        if (Options.KeepEdges && origin <= 0)
            from = 0;
        if (Options.KeepEdges && origin + size >= mapSize)
            to = size;
        return (from, to);
    }

    /// <summary>The logistic function in float32, as torch.sigmoid computes it to within an ulp.</summary>
    internal static void Sigmoid(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            values[i] = 1f / (1f + MathF.Exp(-values[i]));
    }
}
