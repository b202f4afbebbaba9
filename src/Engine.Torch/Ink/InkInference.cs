using System.Diagnostics;
using Engine.IO;
using Engine.Segmentation;
using Engine.Volumes;
using TorchSharp;
using static TorchSharp.torch;

namespace Engine.Torch.Ink;

/// <summary>
/// Runs ink models over a whole fragment and writes the probability map and the thresholded ink, streaming the
/// volume and the map so that memory stays within a budget whatever the fragment's size: the mask's tile grid
/// (<see cref="TileGrid"/>) is cut in bands of rows (<see cref="VolumeTiler"/>) on a prefetch thread
/// (<see cref="VolumeTileLoader"/>), each batch goes through the models under test-time augmentation
/// (<see cref="TensorTestTimeAugmentation"/>), the probabilities (sigmoid, then the mean over TTA copies and
/// models) are upsampled ×32 per window with bilinear <c>align_corners=True</c> as the 2nd-place solution did and
/// stitched in bands straight to a .npy (<see cref="BandedSlidingWindowStitcher"/>), then thresholded at a
/// percentile of the map within the mask (<see cref="Quantile"/>, <see cref="Threshold"/>).
/// </summary>
/// <remarks>
/// Memory: the mask and grid are held throughout; the tiler and the stitcher share the rest of the budget while the
/// models run (the stitcher gets a quarter, at least its minimum of three windows' height of bands); after the
/// stitching the whole map is read back for the percentile, which needs every value at once, and the PNGs, which
/// the encoder writes from whole images: <see cref="OutputBytesPerPixel"/> bytes a pixel, checked against the budget
/// before anything runs (the four files are encoded at once only when <see cref="ParallelOutputBytesPerPixel"/> fits).
/// The tiler's band and the stitcher's garbage are collected between the two stages, so they never add up. Outside
/// the budget: libtorch's own tensors — a batch, its TTA copies and the models' activations, which grow with the
/// batch size, not the fragment — and the process itself (the .NET runtime, libtorch, the garbage collector's
/// slack): docs/performance.md gives the measured peak RSS against the budget.
/// </remarks>
public static class InkInference
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

    private static readonly Engine.Segmentation.TtaTransform[] FlipTransforms =
        [TtaTransform.Identity, TtaTransform.FlipHorizontal, TtaTransform.FlipVertical];

    /// <summary>Runs the checkpoints in <paramref name="modelDirectories"/> (an ensemble when several) over a fragment.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png (then the result holds F0.5).</param>
    /// <param name="modelDirectories">Checkpoint folders written by <see cref="InkCheckpoint.Save"/>; they must cut the same input.</param>
    /// <param name="outputDirectory">Where prob.npy, prob.tif, prob.png, ink.png and overlay.png go (created if needed).</param>
    /// <param name="options">Stride, TTA, percentile, budget…; null for the defaults.</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">No model is given, two checkpoints cut different inputs (both are named), an option is out of range, or the budget is too small.</exception>
    /// <exception cref="DirectoryNotFoundException">A model or fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or a model predicted NaN or Inf (the batch and tile are named).</exception>
    public static InkInferenceResult Run(string fragmentDirectory, IReadOnlyList<string> modelDirectories, string outputDirectory,
        InkInferenceOptions? options = null, IProgress<long>? progress = null)
    {
        if (modelDirectories.Count == 0)
            throw new ArgumentException("No model given: pass at least one checkpoint folder.", nameof(modelDirectories));
        foreach (var directory in modelDirectories)
        {
            if (!System.IO.Directory.Exists(directory))
                throw new DirectoryNotFoundException($"Model folder {directory} does not exist.");
        }
        var clock = Stopwatch.StartNew();
        TorchRuntime.EnsureLoaded();
        var checkpoints = modelDirectories.Select(InkCheckpoint.Read).ToArray();
        for (int i = 1; i < checkpoints.Length; i++)
        {
            if (checkpoints[i].Input != checkpoints[0].Input)
                throw new ArgumentException($"The checkpoints {modelDirectories[0]} ({Describe(checkpoints[0].Input)}) and {modelDirectories[i]} ({Describe(checkpoints[i].Input)}) cut different inputs; an ensemble averages models that read the same tiles.", nameof(modelDirectories));
        }
        var device = (options ?? new InkInferenceOptions()).Device ?? (cuda.is_available() ? CUDA : CPU);
        var models = new List<InkModel>();
        try
        {
            foreach (var directory in modelDirectories)
                models.Add(InkCheckpoint.LoadModel(directory, device));
            return Run(fragmentDirectory, models, checkpoints[0].Input, outputDirectory, options, progress, modelDirectories, clock);
        }
        finally
        {
            foreach (var model in models)
                model.Dispose();
        }
    }

    /// <summary>Runs models held in memory (an ensemble when several) over a fragment; they are put in eval() mode.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png.</param>
    /// <param name="models">Models taking (B, C, tile, tile) float32 to (B, 1, tile / 32, tile / 32) logits, all on one device (where the batches are sent).</param>
    /// <param name="input">How their input is cut: slices, tile, scaling, normalization.</param>
    /// <param name="outputDirectory">Where the outputs go (created if needed).</param>
    /// <param name="options">Stride, TTA, percentile, budget…; null for the defaults (<see cref="InkInferenceOptions.Device"/> is ignored: the models' device is used).</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">No model is given, an option or the input is out of range, a model's output has the wrong shape, or the budget is too small.</exception>
    /// <exception cref="DirectoryNotFoundException">The fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, or a model predicted NaN or Inf (the batch and tile are named).</exception>
    public static InkInferenceResult Run(string fragmentDirectory, IReadOnlyList<nn.Module<Tensor, Tensor>> models, InkInput input,
        string outputDirectory, InkInferenceOptions? options = null, IProgress<long>? progress = null)
    {
        if (models.Count == 0)
            throw new ArgumentException("No model given.", nameof(models));
        TorchRuntime.EnsureLoaded();
        return Run(fragmentDirectory, models, input, outputDirectory, options, progress,
            Enumerable.Range(0, models.Count).Select(i => $"model {i}").ToArray(), Stopwatch.StartNew());
    }

    private static string Describe(InkInput input) =>
        $"slices {input.Slices}, tile {input.Tile}, scale {input.Scale}, {(input.Normalize ? "normalized" : "not normalized")}";

    private static InkInferenceResult Run(string fragmentDirectory, IEnumerable<nn.Module<Tensor, Tensor>> modelList, InkInput input,
        string outputDirectory, InkInferenceOptions? options, IProgress<long>? progress, IReadOnlyList<string> names, Stopwatch clock)
    {
        var models = modelList.ToArray();
        options ??= new InkInferenceOptions();
        int tile = input.Tile, stride = options.Stride ?? Math.Max(input.Tile / 2, 1);
        Validate(input, options, stride);
        if (!System.IO.Directory.Exists(fragmentDirectory))
            throw new DirectoryNotFoundException($"Fragment folder {fragmentDirectory} does not exist.");
        string maskPath = Path.Combine(fragmentDirectory, "mask.png");
        if (!File.Exists(maskPath))
            throw new FileNotFoundException($"The fragment {fragmentDirectory} has no mask.png; inference runs over the fragment's mask.", maskPath);

        using var volume = TiffVolume.Open(Path.Combine(fragmentDirectory, "surface_volume"), input.Slices);
        // Sizes from the headers first, so a mask or labels file declaring a huge image fails before it is decoded.
        if (MapFile.ReadSize(maskPath) is { } declared && (declared.Width != volume.Width || declared.Height != volume.Height))
            throw new InvalidDataException($"{maskPath} is {declared.Width}×{declared.Height} px but the slices of {volume.Source} are {volume.Width}×{volume.Height}; the mask must match them.");
        string labelsPath = Path.Combine(fragmentDirectory, "inklabels.png");
        MapFile.RequireSameDeclaredSize(maskPath, File.Exists(labelsPath) ? labelsPath : null);
        var mask = MapFile.ReadMask(maskPath);
        int width = volume.Width, height = volume.Height;
        var grid = TileGrid.Create(mask.Pixels, width, height, tile, stride);
        if (grid.Count == 0)
            throw new InvalidDataException($"{maskPath} marks no fragment pixel: there is nothing to run the model over.");

        // The budget: the mask and grid throughout; then tiler + stitcher; then the whole-map outputs.
        long pixels = (long)width * height;
        long fixedBytes = pixels + (long)grid.Count * 2 * sizeof(int);
        long outputBytes = OutputBytesPerPixel * pixels;
        long remaining = options.MemoryBudget - fixedBytes;
        if (fixedBytes + outputBytes > options.MemoryBudget)
            throw new ArgumentException($"A memory budget of {options.MemoryBudget:N0} bytes is too small for a {width:N0} × {height:N0} fragment: its mask and tile grid ({fixedBytes:N0}) and the outputs' arrays ({OutputBytesPerPixel} bytes a pixel, {outputBytes:N0}) need {fixedBytes + outputBytes:N0}.", nameof(options));
        long stitcherMinimum = StitcherBytesPerPixel * width * 3L * tile;
        long stitcherWhole = StitcherBytesPerPixel * width * ((long)height + 2L * tile);
        long stitcherBudget = Math.Min(Math.Max(remaining / 4, stitcherMinimum), Math.Max(stitcherWhole, stitcherMinimum));
        // The five outputs are written under temporary names and renamed together at the end: a run that fails (a
        // NaN from a model, a corrupt slice) leaves none of them, and a previous run's files stay as they were.
        using var outputs = new AtomicFileSet();
        outputs.CreateFolder(outputDirectory);
        string npyPath = Path.Combine(outputDirectory, "prob.npy");
        string stagedNpy = outputs.Stage(npyPath);
        var fragment = mask.Pixels;
        var times = new StageTimer { Setup = clock.Elapsed.TotalSeconds };
        var tiling = StitchFragment(volume, grid, input, options, fragment, models, names, stagedNpy, times, progress,
            remaining - stitcherBudget, stitcherBudget, $"after the mask and tile grid ({fixedBytes:N0}) and the stitcher's bands ({stitcherBudget:N0})");
        // The tiler keeps its band (up to most of the budget) for another enumeration, and finished bands of the
        // stitcher are garbage now: collect them before the outputs' arrays are allocated, so the two stages'
        // buffers never add up.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // The whole map, read back: the percentile needs every value at once.
        long start = Stopwatch.GetTimestamp();
        var map = NpyFile.ReadFloat32(stagedNpy).Data;
        double threshold = Quantile.Compute(map, options.Percentile, fragment);
        var (ink, positives) = Engine.Segmentation.Threshold.Apply(map, threshold, fragment);
        byte[]? truth = null;
        if (File.Exists(labelsPath))
        {
            var labels = MapFile.ReadMask(labelsPath);
            MapFile.RequireSameSize(mask, maskPath, labels, labelsPath);
            truth = labels.Pixels;
        }
        BinaryScores? score = truth is null ? null : FBeta.Score(ink, truth, fragment);
        times.Threshold += Stopwatch.GetElapsedTime(start).TotalSeconds;

        start = Stopwatch.GetTimestamp();
        string tiffPath = Path.Combine(outputDirectory, "prob.tif"), pngPath = Path.Combine(outputDirectory, "prob.png");
        string inkPath = Path.Combine(outputDirectory, "ink.png"), overlayPath = Path.Combine(outputDirectory, "overlay.png");
        string stagedTiff = outputs.Stage(tiffPath), stagedPng = outputs.Stage(pngPath), stagedInk = outputs.Stage(inkPath), stagedOverlay = outputs.Stage(overlayPath);
        Action[] writes =
        [
            () => TiffImage.Write(stagedTiff, map, width, height),
            () => PngImage.WriteProbabilityMap(stagedPng, map, width, height),
            () => MapFile.WriteMask(stagedInk, new GrayImage<byte>(width, height, ink)),
            () => InkOverlay.Write(stagedOverlay, new GrayImage<float>(width, height, map), ink, truth),
        ];
        // Four independent encoders, the PNGs' deflate the slowest: at once when the budget holds all their buffers.
        if (fixedBytes + ParallelOutputBytesPerPixel * pixels <= options.MemoryBudget)
        {
            try
            {
                Parallel.Invoke(writes);
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // The first writer's own error (an IOException naming its file), as the sequential path throws it.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            }
        }
        else
            Array.ForEach(writes, write => write());
        outputs.Commit();
        times.Write += Stopwatch.GetElapsedTime(start).TotalSeconds;

        int copies = options.Tta == InkTta.Flips ? FlipTransforms.Length : 1;
        return new InkInferenceResult
        {
            Directory = outputDirectory,
            ProbabilityNpy = npyPath,
            ProbabilityTiff = tiffPath,
            ProbabilityPng = pngPath,
            InkPng = inkPath,
            OverlayPng = overlayPath,
            Width = width,
            Height = height,
            Tiles = grid.Count,
            ModelWindows = (long)grid.Count * copies * models.Length,
            Stride = stride,
            Models = models.Length,
            Device = DeviceOf(models[0]).ToString(),
            Threshold = threshold,
            InkPixels = positives,
            Score = score,
            MemoryBudget = options.MemoryBudget,
            FixedBytes = fixedBytes,
            TilerPeakBytes = tiling.TilerPeak,
            StitcherBudget = stitcherBudget,
            StitcherBandRows = tiling.StitcherBandRows,
            OutputBytes = outputBytes,
            Seconds = new InkStageSeconds(times.Setup, tiling.Read, tiling.Cut, times.Wait, times.Tta, times.Model,
                times.Stitch, times.Threshold, times.Write, clock.Elapsed.TotalSeconds),
        };
    }

    /// <summary>The models' run: tiles cut in bands, through the models, stitched band by band into the .npy.</summary>
    private static (long TilerPeak, double Read, double Cut, int StitcherBandRows) StitchFragment(TiffVolume volume, TileGrid grid,
        InkInput input, InkInferenceOptions options, byte[] fragment, nn.Module<Tensor, Tensor>[] models, IReadOnlyList<string> names,
        string npyPath, StageTimer times, IProgress<long>? progress, long tilerBudget, long stitcherBudget, string budgetSplit)
    {
        VolumeTiler tiler;
        try
        {
            tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions
            {
                BatchSize = options.BatchSize,
                Scale = input.Scale,
                Normalize = input.Normalize,
                MemoryBudget = Math.Max(tilerBudget, 1),
            });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"A memory budget of {options.MemoryBudget:N0} bytes is too small: {budgetSplit}, the tiler has {tilerBudget:N0} left. {e.Message}", nameof(options), e);
        }
        int width = volume.Width, outSide = input.Tile / InkModelConfig.OutputStride;
        var stitchOptions = InkModelConfig.Stitching(inner: options.Inner);
        foreach (var model in models)
            model.eval();
        using var stitcher = new BandedSlidingWindowStitcher(npyPath, volume.Height, width, outSide, outSide, stitcherBudget, stitchOptions,
            (first, rows) => fragment.AsSpan(first * width, rows.Length).CopyTo(rows));
        RunModels(tiler, models, names, options, outSide, times, progress, stitcher.Add);
        times.Time(ref times.Stitch, stitcher.Complete);
        return (tiler.PeakBytes, tiler.ReadTime.TotalSeconds, tiler.CutTime.TotalSeconds, stitcher.BandRows);
    }

    private delegate void AddWindows(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins);

    /// <summary>The loop over batches: TTA, the models, sigmoid and mean, the NaN/Inf check, then the stitcher.</summary>
    private static void RunModels(VolumeTiler tiler, nn.Module<Tensor, Tensor>[] models, IReadOnlyList<string> names,
        InkInferenceOptions options, int outSide, StageTimer times, IProgress<long>? progress, AddWindows stitch)
    {
        var device = DeviceOf(models[0]);
        // Flips run one forward pass per transform over the batch as it is, rather than one pass over the three
        // copies stacked: stacking copied the batch four times more than the two flips do (0.5 s of the demo's
        // 10 s inference), and each window's prediction is the same.
        var passes = options.Tta == InkTta.Flips ? FlipTransforms : [TtaTransform.Identity];
        using var noGrad = no_grad();
        using var batches = new VolumeTileLoader(tiler).GetEnumerator();
        long done = 0;
        for (int index = 0; ; index++)
        {
            long start = Stopwatch.GetTimestamp();
            if (!batches.MoveNext())
                break;
            times.Wait += Stopwatch.GetElapsedTime(start).TotalSeconds;
            using var batch = batches.Current;
            using var scope = NewDisposeScope();
            int n = (int)batch.Images.shape[0];
            int[] origins = batch.Origins.data<int>().ToArray();

            start = Stopwatch.GetTimestamp();
            var images = batch.Images.to(device);
            if (options.Tta == InkTta.Distributed)
                images = TensorTestTimeAugmentation.Transform(images, FlipTransforms, TtaPolicy.Distributed, done);
            times.Tta += Stopwatch.GetElapsedTime(start).TotalSeconds;
            Tensor? sum = null;
            for (int m = 0; m < models.Length; m++)
            {
                foreach (var transform in passes)
                {
                    start = Stopwatch.GetTimestamp();
                    var input = transform == TtaTransform.Identity ? images : TensorTestTimeAugmentation.Apply(images, transform);
                    times.Tta += Stopwatch.GetElapsedTime(start).TotalSeconds;

                    start = Stopwatch.GetTimestamp();
                    var logits = models[m].forward(input);
                    if (device.type == DeviceType.CUDA)
                        cuda.synchronize();
                    times.Model += Stopwatch.GetElapsedTime(start).TotalSeconds;

                    start = Stopwatch.GetTimestamp();
                    if (logits.shape is not [var rows, 1, var h, var w] || rows != n || h != outSide || w != outSide)
                        throw new ArgumentException($"{names[m]} returned logits of shape ({string.Join(", ", logits.shape)}) for {n} windows of {tiler.TileLength / ((long)outSide * outSide * 1024)} × {outSide * 32} × {outSide * 32}; an ink model returns (N, 1, tile / 32, tile / 32).");
                    var back = options.Tta == InkTta.Distributed ? TensorTestTimeAugmentation.Undo(logits, FlipTransforms, TtaPolicy.Distributed, done)
                        : transform == TtaTransform.Identity ? logits
                        : TensorTestTimeAugmentation.Apply(logits, TestTimeAugmentation.Inverse(transform));
                    var probabilities = back.sigmoid().view(n, outSide, outSide);
                    RequireFinite(probabilities, names[m], index, origins);
                    sum = sum is null ? probabilities : sum.add_(probabilities);
                    times.Tta += Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            }
            start = Stopwatch.GetTimestamp();
            if (models.Length * passes.Length > 1)
                sum!.div_(models.Length * passes.Length);
            float[] values = sum!.to(CPU).contiguous().data<float>().ToArray();
            times.Tta += Stopwatch.GetElapsedTime(start).TotalSeconds;

            start = Stopwatch.GetTimestamp();
            stitch(values, origins);
            times.Stitch += Stopwatch.GetElapsedTime(start).TotalSeconds;
            done += n;
            progress?.Report(done);
        }
    }

    /// <summary>libtorch has produced NaN at random steps on this machine's CPU (docs/architecture.md): never let one reach the map.</summary>
    private static void RequireFinite(Tensor probabilities, string model, int batch, int[] origins)
    {
        using var finite = isfinite(probabilities).flatten(1).all(1).cpu();
        var perTile = finite.data<bool>().ToArray();
        int bad = Array.IndexOf(perTile, false);
        if (bad >= 0)
            throw new InvalidDataException($"{model} predicted NaN or Inf in batch {batch}, for the tile at y {origins[2 * bad]}, x {origins[2 * bad + 1]}; libtorch has produced NaN at random on some CPUs, so run again, and if it repeats check the model's weights.");
    }

    private static Device DeviceOf(nn.Module<Tensor, Tensor> model) =>
        model.parameters().FirstOrDefault()?.device ?? CPU;

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
        if (!(options.Percentile is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.Percentile, $"Percentile {options.Percentile} is a quantile in [0, 1] (0.93 keeps the top 7 % as ink).");
        if (!Enum.IsDefined(options.Tta))
            throw new ArgumentOutOfRangeException(nameof(options), options.Tta, "Unknown TTA mode.");
        if (options.MemoryBudget < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudget, "The memory budget must be positive.");
    }

    /// <summary>Seconds per stage, summed on the model's thread.</summary>
    private sealed class StageTimer
    {
        public double Setup;
        public double Wait;
        public double Tta;
        public double Model;
        public double Stitch;
        public double Threshold;
        public double Write;

        public void Time(ref double stage, Action action)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            stage += Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }
}
