using System.Diagnostics;

namespace Engine.Torch.Ink;

/// <summary>
/// Everything <see cref="InkInference"/> decides before a model runs, made once: the checkpoints and the input they
/// cut, the fragment's mask and tile grid, the stride, the threshold's quantile, and the memory budget's split
/// between the stages. A caller can show the work ahead (<see cref="Grid"/>'s count is the progress bar's total)
/// and then run exactly this plan.
/// </summary>
/// <remarks>
/// Memory: the mask and grid (<see cref="FixedBytes"/>) are held throughout; the tiler and the stitcher share the
/// rest while the models run (the stitcher gets a quarter, at least its minimum of three windows' height of bands);
/// after the stitching the whole map is read back for the quantile, which needs every value at once, and for the
/// PNGs, which the encoder writes from whole images (<see cref="OutputBytes"/>). Outside the budget: libtorch's own
/// tensors — a batch, its TTA copies and the models' activations, which grow with the batch size, not the
/// fragment — and the process itself: docs/performance.md gives the measured peak RSS against the budget.
/// </remarks>
public sealed class InkInferencePlan
{
    /// <summary>
    /// Bytes a map pixel costs after the stitching, the outputs written one after another: the float32 map, the
    /// mask, the ink, the truth labels, the overlay's RGB pixels and the PNG encoder's filtered copy of them, and one
    /// for its compressed stream.
    /// </summary>
    public const int OutputBytesPerPixel = 14;

    /// <summary>The same with the four outputs encoded at once: the gray PNGs' pixels and filtered copies come on top.</summary>
    public const int ParallelOutputBytesPerPixel = 20;

    /// <summary>Float32 values a stitcher holds per pixel of its bands' width (two live bands of two accumulators, one finished map).</summary>
    private const long StitcherBytesPerPixel = 5 * sizeof(float);

    private InkInferencePlan()
    {
    }

    /// <summary>The fragment folder.</summary>
    public required string FragmentDirectory { get; init; }

    /// <summary>The checkpoint folders to run; empty when the models are given in memory.</summary>
    public required IReadOnlyList<string> ModelDirectories { get; init; }

    /// <summary>How the models' input is cut.</summary>
    public required InkInput Input { get; init; }

    /// <summary>The options as given.</summary>
    public required InkInferenceOptions Options { get; init; }

    /// <summary>The stride: the options' or half the tile.</summary>
    public required int Stride { get; init; }

    /// <summary>The quantile of the masked map above which a pixel is ink.</summary>
    public required double Quantile { get; init; }

    /// <summary>Where <see cref="Quantile"/> came from.</summary>
    public required InkQuantileSource QuantileSource { get; init; }

    /// <summary>The fragment's mask.png.</summary>
    public required GrayImage<byte> Mask { get; init; }

    /// <summary>The fragment's inklabels.png, when it has one (then the result is scored).</summary>
    public required string? LabelsPath { get; init; }

    /// <summary>The windows, over the mask, in raster order.</summary>
    public required TileGrid Grid { get; init; }

    /// <summary>Map width in pixels.</summary>
    public int Width => Mask.Width;

    /// <summary>Map height in pixels.</summary>
    public int Height => Mask.Height;

    /// <summary>Bytes of the mask and tile grid, held for the whole run.</summary>
    public required long FixedBytes { get; init; }

    /// <summary>Bytes of the output stage's arrays (map, ink mask, PNG buffers).</summary>
    public required long OutputBytes { get; init; }

    /// <summary>The tiler's share of the budget while the models run.</summary>
    public required long TilerBudget { get; init; }

    /// <summary>The stitcher's share: its live bands, on the host and, with a kernel backend, the same on the device.</summary>
    public required long StitcherBudget { get; init; }

    /// <summary>Whether the budget holds the four output files' buffers at once, so they are encoded in parallel.</summary>
    public required bool ParallelOutputs { get; init; }

    /// <summary>Seconds spent making the plan (reading checkpoints' configs, the mask, laying the grid).</summary>
    public required double Seconds { get; init; }

    /// <summary>
    /// The map cut into <paramref name="regionCount"/> bands of rows, each inferred apart (<see cref="InkInference.RunRegion(InkInferencePlan, StitchRegions, StitchRegion, string, IProgress{long}?, CancellationToken)"/>)
    /// and merged into the outputs a whole run writes (<see cref="InkInference.MergeRegions"/>).
    /// </summary>
    /// <param name="regionCount">Bands, 1 to <see cref="Height"/>.</param>
    /// <returns>The split, stitching as the whole run does.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="regionCount"/> is out of range.</exception>
    public StitchRegions Split(int regionCount)
    {
        int cells = Input.Tile / InkModelConfig.OutputStride;
        return new StitchRegions(Height, Width, cells, cells, regionCount, InkModelConfig.Stitching(inner: Options.Inner), Options.Compute);
    }

    /// <summary>
    /// The windows a region's run predicts: every batch of the whole run (<see cref="InkInferenceOptions.BatchSize"/>
    /// consecutive windows of <see cref="Grid"/>) that holds a window reaching the region's rows. Whole batches,
    /// because a model's output bits can depend on a window's slot in its batch: the region's windows get the same
    /// bits as in the whole run only in the same batches.
    /// </summary>
    /// <param name="split">A split of this plan's map (<see cref="Split"/>).</param>
    /// <param name="region">One of its regions.</param>
    /// <returns>The first window's index in <see cref="Grid"/> (a multiple of the batch size) and the count; (0, 0) when no window reaches the region.</returns>
    public (int Start, int Count) RegionWindows(StitchRegions split, StitchRegion region)
    {
        var origins = Grid.Origins;
        int first = -1, last = -1;
        for (int k = 0; k < origins.Length; k++)
        {
            if (split.Reaches(region, origins[k].Y))
            {
                if (first < 0)
                    first = k;
                last = k;
            }
        }
        if (first < 0)
            return (0, 0);
        int batch = Options.BatchSize, start = first / batch * batch;
        int end = (int)Math.Min((long)(last / batch + 1) * batch, origins.Length);
        return (start, end - start);
    }

    /// <summary>Plans a run of checkpoints (an ensemble when several) over a fragment; reads their configs, not their weights.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png.</param>
    /// <param name="modelDirectories">Checkpoint folders written by <see cref="InkCheckpoint.Save"/>; they must cut the same input.</param>
    /// <param name="options">Stride, TTA, quantile, budget, backend…; null for the defaults.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">No model is given, two checkpoints cut different inputs (both are named), an option is out of range, or the budget is too small for the mask, grid and outputs.</exception>
    /// <exception cref="DirectoryNotFoundException">A model or fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the mask marks no pixel.</exception>
    public static InkInferencePlan Create(string fragmentDirectory, IReadOnlyList<string> modelDirectories, InkInferenceOptions? options = null)
    {
        var clock = Stopwatch.StartNew();
        if (modelDirectories.Count == 0)
            throw new ArgumentException("No model given: pass at least one checkpoint folder.", nameof(modelDirectories));
        foreach (var directory in modelDirectories)
        {
            if (!System.IO.Directory.Exists(directory))
                throw new DirectoryNotFoundException($"Model folder {directory} does not exist.");
        }
        var checkpoints = modelDirectories.Select(InkCheckpoint.Read).ToArray();
        for (int i = 1; i < checkpoints.Length; i++)
        {
            if (checkpoints[i].Input != checkpoints[0].Input)
                throw new ArgumentException($"The checkpoints {modelDirectories[0]} ({Describe(checkpoints[0].Input)}) and {modelDirectories[i]} ({Describe(checkpoints[i].Input)}) cut different inputs; an ensemble averages models that read the same tiles.", nameof(modelDirectories));
        }
        // The quantile validation chose for each checkpoint; a checkpoint trained without validation has none.
        var chosen = checkpoints.Select(c => c.Metrics.GetValueOrDefault(InkCheckpoint.ValidQuantileMetric, double.NaN))
            .Where(q => q is >= 0 and <= 1).ToArray();
        return Create(fragmentDirectory, modelDirectories, checkpoints[0].Input, options ?? new InkInferenceOptions(),
            chosen.Length == checkpoints.Length ? chosen.Average() : null, clock);
    }

    /// <summary>Plans a run of models held in memory that cut <paramref name="input"/>.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png.</param>
    /// <param name="input">How the models' input is cut.</param>
    /// <param name="options">Stride, TTA, quantile, budget, backend…; null for the defaults.</param>
    /// <returns>The plan.</returns>
    /// <exception cref="ArgumentException">An option or the input is out of range, or the budget is too small for the mask, grid and outputs.</exception>
    /// <exception cref="DirectoryNotFoundException">The fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or the mask marks no pixel.</exception>
    public static InkInferencePlan Create(string fragmentDirectory, InkInput input, InkInferenceOptions? options = null) =>
        Create(fragmentDirectory, [], input, options ?? new InkInferenceOptions(), trained: null, Stopwatch.StartNew());

    private static InkInferencePlan Create(string fragmentDirectory, IReadOnlyList<string> modelDirectories, InkInput input,
        InkInferenceOptions options, double? trained, Stopwatch clock)
    {
        int stride = options.Stride ?? Math.Max(input.Tile / 2, 1);
        Validate(input, options, stride);
        if (!System.IO.Directory.Exists(fragmentDirectory))
            throw new DirectoryNotFoundException($"Fragment folder {fragmentDirectory} does not exist.");
        string maskPath = Path.Combine(fragmentDirectory, "mask.png");
        if (!File.Exists(maskPath))
            throw new FileNotFoundException($"The fragment {fragmentDirectory} has no mask.png; inference runs over the fragment's mask.", maskPath);
        int width, height;
        using (var volume = TiffVolume.Open(Path.Combine(fragmentDirectory, "surface_volume"), input.Slices))
        {
            // Sizes from the headers first, so a mask or labels file declaring a huge image fails before it is decoded.
            if (MapFile.ReadSize(maskPath) is { } declared && (declared.Width != volume.Width || declared.Height != volume.Height))
                throw new InvalidDataException($"{maskPath} is {declared.Width}×{declared.Height} px but the slices of {volume.Source} are {volume.Width}×{volume.Height}; the mask must match them.");
            (width, height) = (volume.Width, volume.Height);
        }
        string labelsPath = Path.Combine(fragmentDirectory, "inklabels.png");
        bool labelled = File.Exists(labelsPath);
        MapFile.RequireSameDeclaredSize(maskPath, labelled ? labelsPath : null);
        var mask = MapFile.ReadMask(maskPath);
        var grid = TileGrid.Create(mask.Pixels, width, height, input.Tile, stride);
        if (grid.Count == 0)
            throw new InvalidDataException($"{maskPath} marks no fragment pixel: there is nothing to run the model over.");

        long pixels = (long)width * height;
        long fixedBytes = pixels + (long)grid.Count * 2 * sizeof(int);
        long outputBytes = OutputBytesPerPixel * pixels;
        long budget = options.MemoryBudget;
        if (fixedBytes + outputBytes > budget)
            throw new ArgumentException($"A memory budget of {budget:N0} bytes is too small for a {width:N0} × {height:N0} fragment: its mask and tile grid ({fixedBytes:N0}) and the outputs' arrays ({OutputBytesPerPixel} bytes a pixel, {outputBytes:N0}) need {fixedBytes + outputBytes:N0}.", nameof(options));
        long remaining = budget - fixedBytes;
        long stitcherMinimum = StitcherBytesPerPixel * width * 3L * input.Tile;
        long stitcherWhole = StitcherBytesPerPixel * width * ((long)height + 2L * input.Tile);
        long stitcherBudget = Math.Min(Math.Max(remaining / 4, stitcherMinimum), Math.Max(stitcherWhole, stitcherMinimum));
        var (quantile, source) = options.Quantile is { } q ? (q, InkQuantileSource.Options)
            : trained is { } t ? (t, InkQuantileSource.Training)
            : (InkInferenceOptions.DefaultQuantile, InkQuantileSource.Default);
        return new InkInferencePlan
        {
            FragmentDirectory = fragmentDirectory,
            ModelDirectories = modelDirectories,
            Input = input,
            Options = options,
            Stride = stride,
            Quantile = quantile,
            QuantileSource = source,
            Mask = mask,
            LabelsPath = labelled ? labelsPath : null,
            Grid = grid,
            FixedBytes = fixedBytes,
            OutputBytes = outputBytes,
            TilerBudget = remaining - stitcherBudget,
            StitcherBudget = stitcherBudget,
            ParallelOutputs = fixedBytes + ParallelOutputBytesPerPixel * pixels <= budget,
            Seconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static string Describe(InkInput input) =>
        $"slices {input.Slices}, tile {input.Tile}, scale {input.Scale}, {(input.Normalize ? "normalized" : "not normalized")}";

    private static void Validate(InkInput input, InkInferenceOptions options, int stride)
    {
        if (input.Tile < InkModelConfig.OutputStride || input.Tile % InkModelConfig.OutputStride != 0)
            throw new ArgumentException($"The input's tile {input.Tile} is not a positive multiple of {InkModelConfig.OutputStride}, the models' output stride.", nameof(input));
        if (stride < 1)
            throw new ArgumentOutOfRangeException(nameof(options), stride, $"Stride {stride} must be at least 1.");
        if (options.BatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, $"Batch size {options.BatchSize} must be at least 1.");
        if (options.Inner is { } inner && (inner < 1 || inner > input.Tile))
            throw new ArgumentOutOfRangeException(nameof(options), inner, $"Inner block {inner} must lie in 1..{input.Tile} (the tile).");
        if (options.Quantile is { } q && !(q is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), q, $"Quantile {q} is not in [0, 1] (0.93 keeps the top 7 % as ink).");
        if (!Enum.IsDefined(options.Tta))
            throw new ArgumentOutOfRangeException(nameof(options), options.Tta, "Unknown TTA mode.");
        if (options.MemoryBudget < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudget, "The memory budget must be positive.");
    }
}
