using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Engine.Torch.Ink;

/// <summary>
/// A fragment inferred in regions (bands of rows, <see cref="InkInferencePlan.Split"/>) apart, on other processes or
/// machines, then merged into the very files <see cref="Run(InkInferencePlan, IInkPredictor, string, IProgress{long}?, CancellationToken)"/>
/// writes. A region runs the whole run's batches that hold a window reaching its rows
/// (<see cref="InkInferencePlan.RegionWindows"/>: the same windows in the same batch slots, so the model gives the
/// same bits) and stitches those windows over its rows plus a halo (<see cref="StitchRegions"/>: the same sums in the
/// same order), so its rows equal the whole run's bit for bit; the merge concatenates them and thresholds the whole
/// map at the plan's quantile.
/// </summary>
public static partial class InkInference
{
    /// <summary>
    /// Bytes a pixel of a region's extent (its rows and halo) costs while it is stitched: the stitcher's two float32
    /// accumulators and finished map, and the copy of the region's own rows.
    /// </summary>
    private const int RegionBytesPerPixel = 4 * sizeof(float);

    /// <summary>Runs a plan's checkpoints over one region and writes its rows of the map.</summary>
    /// <param name="plan">The plan, made with checkpoint folders.</param>
    /// <param name="split">The plan's <see cref="InkInferencePlan.Split"/>.</param>
    /// <param name="region">One of the split's regions.</param>
    /// <param name="path">The file for the region's rows: raw little-endian float32, <see cref="StitchRegion.Rows"/> × width, written atomically.</param>
    /// <param name="progress">Receives the region's windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no file.</param>
    /// <returns>The region's figures.</returns>
    /// <exception cref="ArgumentException">The plan has no checkpoint folders, the split or region is not the plan's, or the budget is too small.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">The models predicted NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkRegionResult RunRegion(InkInferencePlan plan, StitchRegions split, StitchRegion region, string path,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        using var ensemble = LoadCheckpoints(plan, out double loadSeconds);
        return RunRegion(plan, ensemble, split, region, path, progress, cancellationToken, loadSeconds);
    }

    /// <summary>Runs any <see cref="IInkPredictor"/> over one region and writes its rows of the map.</summary>
    /// <param name="plan">The plan; its input is what the predictor reads.</param>
    /// <param name="predictor">Turns batches of normalized tiles into probabilities.</param>
    /// <param name="split">The plan's <see cref="InkInferencePlan.Split"/>.</param>
    /// <param name="region">One of the split's regions.</param>
    /// <param name="path">The file for the region's rows: raw little-endian float32, <see cref="StitchRegion.Rows"/> × width, written atomically.</param>
    /// <param name="progress">Receives the region's windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no file.</param>
    /// <returns>The region's figures.</returns>
    /// <exception cref="ArgumentException">The split or region is not the plan's, the budget is too small, or the predictor rejects a batch.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">The predictor returned NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkRegionResult RunRegion(InkInferencePlan plan, IInkPredictor predictor, StitchRegions split, StitchRegion region, string path,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        RunRegion(plan, predictor, split, region, path, progress, cancellationToken, loadSeconds: 0);

    private static InkRegionResult RunRegion(InkInferencePlan plan, IInkPredictor predictor, StitchRegions split, StitchRegion region, string path,
        IProgress<long>? progress, CancellationToken cancellationToken, double loadSeconds)
    {
        var clock = Stopwatch.StartNew();
        RequireSplitOf(plan, split);
        if ((uint)region.Index >= (uint)split.Regions.Count || split.Regions[region.Index] != region)
            throw new ArgumentException($"{region} is not one of the plan's {split.Regions.Count} regions.", nameof(region));
        long stitchBytes = RegionBytesPerPixel * (long)(region.ExtentBottom - region.ExtentTop) * plan.Width;
        if (plan.FixedBytes + stitchBytes > plan.Options.MemoryBudget)
            throw new ArgumentException($"A memory budget of {plan.Options.MemoryBudget:N0} bytes is too small for region {region.Index}: its rows {region.ExtentTop}..{region.ExtentBottom} with the halo ({RegionBytesPerPixel} bytes a pixel, {stitchBytes:N0}) and the mask and tile grid ({plan.FixedBytes:N0}) need {plan.FixedBytes + stitchBytes:N0}; split the fragment into more regions.", nameof(plan));

        var times = new StageTimer { Setup = plan.Seconds + loadSeconds };
        var (first, count) = plan.RegionWindows(split, region);
        int cellsPerTile = split.TileHeight * split.TileWidth;
        // Only the windows that reach the region's rows are kept: the halo batches' others belong to its neighbours.
        var predictions = new List<float>();
        var origins = new List<int>();
        if (count > 0)
        {
            using var volume = OpenVolume(plan);
            var tiler = CreateTiler(plan, volume, plan.Grid.Slice(first, count));
            PredictBatches(plan, predictor, tiler, first, times, progress, cancellationToken, (probabilities, batch) =>
            {
                for (int k = 0; k < batch.Length / 2; k++)
                {
                    if (!split.Reaches(region, batch[2 * k]))
                        continue;
                    predictions.AddRange(probabilities.Slice(k * cellsPerTile, cellsPerTile));
                    origins.Add(batch[2 * k]);
                    origins.Add(batch[2 * k + 1]);
                }
            });
        }
        cancellationToken.ThrowIfCancellationRequested();
        // The tiler's band is garbage now: collect it before the region's accumulators are allocated.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        long start = Stopwatch.GetTimestamp();
        float[] rows = split.Stitch(region, CollectionsMarshal.AsSpan(predictions), CollectionsMarshal.AsSpan(origins), plan.Mask.Pixels);
        times.Stitch += Stopwatch.GetElapsedTime(start).TotalSeconds;
        start = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream => stream.Write(MemoryMarshal.AsBytes(rows.AsSpan())), bufferSize: 1 << 20);
        times.Write += Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new InkRegionResult(region.Index, region.Top, region.Bottom, path, count, times.Setup + clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Puts the regions' rows together into the plan's prob.npy and writes the rest of a whole run's outputs from it
    /// (threshold at the plan's quantile of the whole map, score, images), all committed together.
    /// </summary>
    /// <param name="plan">The plan the regions ran.</param>
    /// <param name="split">The plan's <see cref="InkInferencePlan.Split"/>.</param>
    /// <param name="regionPaths">Each region's file from <see cref="RunRegion(InkInferencePlan, IInkPredictor, StitchRegions, StitchRegion, string, IProgress{long}?, CancellationToken)"/>, in the split's order.</param>
    /// <param name="outputDirectory">Where prob.npy, prob.tif, prob.png, ink.png and overlay.png go (created if needed).</param>
    /// <param name="cancellationToken">Checked before the outputs are committed; a cancelled merge leaves no output.</param>
    /// <returns>What was written, the threshold and the timings; no model ran in this step (<see cref="InkInferenceResult.ModelWindows"/> is 0).</returns>
    /// <exception cref="ArgumentException">The split is not the plan's, or the number of files is not the number of regions.</exception>
    /// <exception cref="FileNotFoundException">A region's file does not exist.</exception>
    /// <exception cref="InvalidDataException">A region's file does not hold its rows (the file is named), or another file is malformed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkInferenceResult MergeRegions(InkInferencePlan plan, StitchRegions split, IReadOnlyList<string> regionPaths, string outputDirectory,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        RequireSplitOf(plan, split);
        if (regionPaths.Count != split.Regions.Count)
            throw new ArgumentException($"{regionPaths.Count} region files given for {split.Regions.Count} regions.", nameof(regionPaths));
        foreach (var region in split.Regions)
        {
            var file = new FileInfo(regionPaths[region.Index]);
            if (!file.Exists)
                throw new FileNotFoundException($"Region {region.Index}'s rows {file.FullName} do not exist: run the region first.", file.FullName);
            long expected = (long)region.Rows * plan.Width * sizeof(float);
            if (file.Length != expected)
                throw new InvalidDataException($"{file.FullName} holds {file.Length:N0} bytes but region {region.Index}'s rows {region.Top}..{region.Bottom} × {plan.Width} are {expected:N0}.");
        }
        using var outputs = new AtomicFileSet();
        outputs.CreateFolder(outputDirectory);
        string stagedNpy = outputs.Stage(Path.Combine(outputDirectory, InkInferenceResult.ProbabilityNpyName));
        var times = new StageTimer { Setup = plan.Seconds };
        // The bytes the banded stitcher writes: the .npy header, then the rows top to bottom.
        times.Time(ref times.Stitch, () =>
        {
            using var map = new FileStream(stagedNpy, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            map.Write(NpyFile.Header("<f4", [plan.Height, plan.Width]));
            foreach (string regionPath in regionPaths)
            {
                using var rows = File.OpenRead(regionPath);
                rows.CopyTo(map);
            }
        });
        var source = new MapSource(0, Math.Max(plan.ModelDirectories.Count, 1), $"none (merged {split.Regions.Count} regions)", 0, 0, 0, 0);
        return WriteOutputs(plan, source, outputs, outputDirectory, stagedNpy, times, clock, cancellationToken);
    }

    private static void RequireSplitOf(InkInferencePlan plan, StitchRegions split)
    {
        int cells = plan.Input.Tile / InkModelConfig.OutputStride;
        if (split.Height != plan.Height || split.Width != plan.Width || split.TileHeight != cells || split.TileWidth != cells || split.Options != InkModelConfig.Stitching(plan.Options.Inner))
            throw new ArgumentException($"The split ({split.Height} × {split.Width}, {split.TileHeight} × {split.TileWidth} cells) is not this plan's ({plan.Height} × {plan.Width}, {cells} × {cells}); make it with InkInferencePlan.Split.", nameof(split));
    }
}
