using System.Diagnostics;

namespace Engine.Torch.Ink;

/// <summary>
/// Runs an ink predictor over a whole fragment and writes the probability map and the thresholded ink, streaming
/// the volume and the map so that memory stays within a budget whatever the fragment's size. An
/// <see cref="InkInferencePlan"/> fixes what runs; then the mask's tile grid is cut in bands of rows
/// (<see cref="VolumeTiler"/>, the next band read while this one is cut) on a prefetch thread, each batch goes
/// through the predictor (<see cref="TorchInkEnsemble"/> by default: TTA, the models, sigmoid and mean), the
/// probabilities are upsampled ×32 per window with bilinear <c>align_corners=True</c> as the 2nd-place solution
/// did and stitched in bands straight to a .npy (<see cref="BandedSlidingWindowStitcher"/>), then thresholded at a
/// quantile of the map within the mask (<see cref="Quantile"/>, <see cref="Threshold"/>). With a kernel backend
/// (<see cref="InkInferenceOptions.Compute"/>) normalization, stitching, quantile and threshold run the ILGPU kernels.
/// </summary>
public static partial class InkInference
{
    /// <summary>Plans and runs checkpoints (an ensemble when several) over a fragment.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png (then the result holds F0.5).</param>
    /// <param name="modelDirectories">Checkpoint folders written by <see cref="InkCheckpoint.Save"/>; they must cut the same input.</param>
    /// <param name="outputDirectory">Where prob.npy, prob.tif, prob.png, ink.png and overlay.png go (created if needed).</param>
    /// <param name="options">Stride, TTA, quantile, budget, backend…; null for the defaults.</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no output.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">As <see cref="InkInferencePlan.Create(string, IReadOnlyList{string}, InkInferenceOptions?)"/>, or the budget is too small for the tiler or stitcher.</exception>
    /// <exception cref="DirectoryNotFoundException">A model or fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">The models predicted NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkInferenceResult Run(string fragmentDirectory, IReadOnlyList<string> modelDirectories, string outputDirectory,
        InkInferenceOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Run(InkInferencePlan.Create(fragmentDirectory, modelDirectories, options), outputDirectory, progress, cancellationToken);

    /// <summary>Runs a plan's checkpoints (<see cref="TorchInkEnsemble.Load"/>, on <see cref="InkInferenceOptions.Device"/>).</summary>
    /// <param name="plan">The plan, made with checkpoint folders.</param>
    /// <param name="outputDirectory">Where the outputs go (created if needed).</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no output.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">The plan has no checkpoint folders, or the budget is too small for the tiler or stitcher.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">The models predicted NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkInferenceResult Run(InkInferencePlan plan, string outputDirectory, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var ensemble = LoadCheckpoints(plan, out double loadSeconds);
        return Run(plan, ensemble, outputDirectory, progress, cancellationToken, loadSeconds);
    }

    private static TorchInkEnsemble LoadCheckpoints(InkInferencePlan plan, out double seconds)
    {
        if (plan.ModelDirectories.Count == 0)
            throw new ArgumentException("The plan names no checkpoint folder; pass the models to run.", nameof(plan));
        long start = Stopwatch.GetTimestamp();
        var ensemble = TorchInkEnsemble.Load(plan.ModelDirectories, plan.Input, plan.Options.Tta, plan.Options.Device);
        seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return ensemble;
    }

    /// <summary>Runs models held in memory (an ensemble when several) over a fragment; they are put in eval() mode.</summary>
    /// <param name="fragmentDirectory">The fragment: surface_volume/00.tif …, mask.png, and optionally inklabels.png.</param>
    /// <param name="models">Models taking (B, C, tile, tile) float32 to (B, 1, tile / 32, tile / 32) logits, all on one device.</param>
    /// <param name="input">How their input is cut: slices, tile, scaling, normalization.</param>
    /// <param name="outputDirectory">Where the outputs go (created if needed).</param>
    /// <param name="options">Stride, TTA, quantile, budget, backend…; null for the defaults (<see cref="InkInferenceOptions.Device"/> is ignored: the models' device is used).</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no output.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">No model is given, an option or the input is out of range, a model's output has the wrong shape, or the budget is too small.</exception>
    /// <exception cref="DirectoryNotFoundException">The fragment folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The fragment has no mask.png.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">A model predicted NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkInferenceResult Run(string fragmentDirectory, IReadOnlyList<nn.Module<Tensor, Tensor>> models, InkInput input,
        string outputDirectory, InkInferenceOptions? options = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (models.Count == 0)
            throw new ArgumentException("No model given.", nameof(models));
        var plan = InkInferencePlan.Create(fragmentDirectory, input, options);
        using var ensemble = new TorchInkEnsemble(models, input, plan.Options.Tta);
        return Run(plan, ensemble, outputDirectory, progress, cancellationToken);
    }

    /// <summary>Runs any <see cref="IInkPredictor"/> over a plan's fragment.</summary>
    /// <param name="plan">The plan; its input is what the predictor reads.</param>
    /// <param name="predictor">Turns batches of normalized tiles into probabilities.</param>
    /// <param name="outputDirectory">Where the outputs go (created if needed).</param>
    /// <param name="progress">Receives the windows finished so far.</param>
    /// <param name="cancellationToken">Checked before every batch; a cancelled run leaves no output.</param>
    /// <returns>What was written, the threshold and the per-stage timings.</returns>
    /// <exception cref="ArgumentException">The budget is too small for the tiler or stitcher, or the predictor rejects a batch.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    /// <exception cref="NonFiniteValueException">The predictor returned NaN or Inf (the batch and tile are named).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkInferenceResult Run(InkInferencePlan plan, IInkPredictor predictor, string outputDirectory,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        Run(plan, predictor, outputDirectory, progress, cancellationToken, loadSeconds: 0);

    private static InkInferenceResult Run(InkInferencePlan plan, IInkPredictor predictor, string outputDirectory,
        IProgress<long>? progress, CancellationToken cancellationToken, double loadSeconds)
    {
        var clock = Stopwatch.StartNew();
        // The five outputs are written under temporary names and renamed together at the end: a run that fails (a
        // NaN from a model, a corrupt slice, a cancellation) leaves none of them, and a previous run's files stay.
        using var outputs = new AtomicFileSet();
        outputs.CreateFolder(outputDirectory);
        string stagedNpy = outputs.Stage(Path.Combine(outputDirectory, InkInferenceResult.ProbabilityNpyName));
        var times = new StageTimer { Setup = plan.Seconds + loadSeconds };
        var tiling = StitchFragment(plan, predictor, stagedNpy, times, progress, cancellationToken);
        var source = new MapSource((predictor as TorchInkEnsemble)?.ModelWindows ?? plan.Grid.Count, (predictor as TorchInkEnsemble)?.Models ?? 1,
            predictor.Device, tiling.TilerPeak, tiling.StitcherBandRows, tiling.Read, tiling.Cut);
        return WriteOutputs(plan, source, outputs, outputDirectory, stagedNpy, times, clock, cancellationToken);
    }

    /// <summary>What made the map in the staged prob.npy, for the result.</summary>
    private readonly record struct MapSource(long ModelWindows, int Models, string Device, long TilerPeak, int StitcherBandRows, double Read, double Cut);

    /// <summary>From the stitched map in <paramref name="stagedNpy"/>: the threshold, the score, the images, all committed together.</summary>
    private static InkInferenceResult WriteOutputs(InkInferencePlan plan, MapSource source, AtomicFileSet outputs, string outputDirectory,
        string stagedNpy, StageTimer times, Stopwatch clock, CancellationToken cancellationToken)
    {
        var compute = plan.Options.Compute;
        int width = plan.Width, height = plan.Height;
        byte[] fragment = plan.Mask.Pixels;
        // The tiler keeps its band (up to most of the budget) for another enumeration, and finished bands of the
        // stitcher are garbage now: collect them before the outputs' arrays are allocated, so the two stages'
        // buffers never add up.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        cancellationToken.ThrowIfCancellationRequested();

        // The whole map, read back: the quantile needs every value at once.
        long start = Stopwatch.GetTimestamp();
        var map = NpyFile.ReadFloat32(stagedNpy).Data;
        double threshold = Quantile.Compute(map, plan.Quantile, fragment, compute: compute);
        var (ink, positives) = Engine.Segmentation.Threshold.Apply(map, threshold, fragment, compute);
        byte[]? truth = null;
        if (plan.LabelsPath is { } labelsPath)
        {
            var labels = MapFile.ReadMask(labelsPath);
            MapFile.RequireSameSize(plan.Mask, Path.Combine(plan.FragmentDirectory, "mask.png"), labels, labelsPath);
            truth = labels.Pixels;
        }
        BinaryScores? score = truth is null ? null : FBeta.Score(ink, truth, fragment);
        times.Threshold += Stopwatch.GetElapsedTime(start).TotalSeconds;

        start = Stopwatch.GetTimestamp();
        string Staged(string name) => outputs.Stage(Path.Combine(outputDirectory, name));
        string stagedTiff = Staged(InkInferenceResult.ProbabilityTiffName), stagedPng = Staged(InkInferenceResult.ProbabilityPngName);
        string stagedInk = Staged(InkInferenceResult.InkPngName), stagedOverlay = Staged(InkInferenceResult.OverlayPngName);
        Action[] writes =
        [
            () => TiffImage.Write(stagedTiff, map, width, height),
            () => PngImage.WriteProbabilityMap(stagedPng, map, width, height),
            () => MapFile.WriteMask(stagedInk, new GrayImage<byte>(width, height, ink)),
            () => InkOverlay.Write(stagedOverlay, new GrayImage<float>(width, height, map), ink, truth),
        ];
        // Four independent encoders, the PNGs' deflate the slowest: at once when the budget holds all their buffers.
        if (plan.ParallelOutputs)
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
        cancellationToken.ThrowIfCancellationRequested();
        outputs.Commit();
        times.Write += Stopwatch.GetElapsedTime(start).TotalSeconds;

        return new InkInferenceResult
        {
            Plan = plan,
            Directory = outputDirectory,
            ModelWindows = source.ModelWindows,
            Models = source.Models,
            Device = source.Device,
            Threshold = threshold,
            InkPixels = positives,
            Score = score,
            TilerPeakBytes = source.TilerPeak,
            StitcherBandRows = source.StitcherBandRows,
            Seconds = new InkStageSeconds(times.Setup, source.Read, source.Cut, times.Wait, times.AroundModel, times.Model,
                times.Stitch, times.Threshold, times.Write, times.Setup + clock.Elapsed.TotalSeconds),
        };
    }

    /// <summary>The predictor's run: tiles cut in bands, predicted, stitched band by band into the .npy.</summary>
    private static (long TilerPeak, double Read, double Cut, int StitcherBandRows) StitchFragment(InkInferencePlan plan,
        IInkPredictor predictor, string npyPath, StageTimer times, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var volume = OpenVolume(plan);
        var tiler = CreateTiler(plan, volume, plan.Grid);
        int width = plan.Width, cells = plan.Input.Tile / InkModelConfig.OutputStride;
        byte[] fragment = plan.Mask.Pixels;
        using var stitcher = new BandedSlidingWindowStitcher(npyPath, plan.Height, width, cells, cells, plan.StitcherBudget,
            InkModelConfig.Stitching(inner: plan.Options.Inner), (first, rows) => fragment.AsSpan(first * width, rows.Length).CopyTo(rows), plan.Options.Compute);
        PredictBatches(plan, predictor, tiler, firstWindow: 0, times, progress, cancellationToken, stitcher.Add);
        times.Time(ref times.Stitch, stitcher.Complete);
        return (tiler.PeakBytes, tiler.ReadTime.TotalSeconds, tiler.CutTime.TotalSeconds, stitcher.BandRows);
    }

    private static TiffVolume OpenVolume(InkInferencePlan plan) =>
        TiffVolume.Open(Path.Combine(plan.FragmentDirectory, "surface_volume"), plan.Input.Slices);

    /// <summary>The tiler of <paramref name="grid"/>'s windows (the plan's, or a region's part of them) in the plan's batches, within the tiler's share of the budget.</summary>
    private static VolumeTiler CreateTiler(InkInferencePlan plan, TiffVolume volume, TileGrid grid)
    {
        var options = plan.Options;
        try
        {
            return new VolumeTiler(volume, grid, new VolumeTilerOptions
            {
                BatchSize = options.BatchSize,
                Scale = plan.Input.Scale,
                Normalize = plan.Input.Normalize,
                MemoryBudget = Math.Max(plan.TilerBudget, 1),
                Compute = options.Compute,
                ReadAhead = true,
            });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"A memory budget of {options.MemoryBudget:N0} bytes is too small: after the mask and tile grid ({plan.FixedBytes:N0}) and the stitcher's bands ({plan.StitcherBudget:N0}), the tiler has {plan.TilerBudget:N0} left. {e.Message}", nameof(plan), e);
        }
    }

    /// <summary>Receives one batch's probabilities and the windows' (y, x) origins.</summary>
    private delegate void StitchBatch(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> origins);

    /// <summary>
    /// Predicts the tiler's batches in order and hands each to <paramref name="stitch"/> (timed as the stitch);
    /// <paramref name="firstWindow"/> is the tiler's first window's index in the plan's grid, a multiple of the batch
    /// size, so that the batches are the whole run's.
    /// </summary>
    private static void PredictBatches(InkInferencePlan plan, IInkPredictor predictor, VolumeTiler tiler, long firstWindow, StageTimer times,
        IProgress<long>? progress, CancellationToken cancellationToken, StitchBatch stitch)
    {
        var options = plan.Options;
        int cells = plan.Input.Tile / InkModelConfig.OutputStride;
        var probabilities = new float[options.BatchSize * cells * cells];
        long done = 0;
        int index = (int)(firstWindow / options.BatchSize);
        using var batches = tiler.BatchesAhead(cancellationToken: cancellationToken).GetEnumerator();
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            if (!batches.MoveNext())
                break;
            times.Wait += Stopwatch.GetElapsedTime(start).TotalSeconds;
            using var batch = batches.Current;
            // A batch cut ahead before the cancellation is not run.
            cancellationToken.ThrowIfCancellationRequested();
            index++;
            int n = batch.Count;
            var predicted = probabilities.AsSpan(0, n * cells * cells);
            start = Stopwatch.GetTimestamp();
            double modelBefore = predictor.ModelSeconds;
            predictor.Predict(batch.Data.Span, n, firstWindow + done, predicted);
            double model = predictor.ModelSeconds - modelBefore;
            times.Model += model;
            times.AroundModel += Stopwatch.GetElapsedTime(start).TotalSeconds - model;
            RequireFinite(predicted, cells * cells, predictor, index, batch.Origins);

            start = Stopwatch.GetTimestamp();
            int[] origins = new int[2 * n];
            for (int k = 0; k < n; k++)
                (origins[2 * k], origins[2 * k + 1]) = (batch.Origins[k].Y, batch.Origins[k].X);
            stitch(predicted, origins);
            times.Stitch += Stopwatch.GetElapsedTime(start).TotalSeconds;
            done += n;
            progress?.Report(done);
        }
    }

    /// <summary>libtorch has produced NaN at random on this machine's CPU (docs/architecture.md): never let one reach the map.</summary>
    private static void RequireFinite(ReadOnlySpan<float> probabilities, int cellsPerTile, IInkPredictor predictor, int batch, IReadOnlyList<TileOrigin> origins)
    {
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (!float.IsFinite(probabilities[i]))
            {
                var origin = origins[i / cellsPerTile];
                throw new NonFiniteValueException($"{predictor.Name} predicted NaN or Inf in batch {batch}, for the tile at y {origin.Y}, x {origin.X}; libtorch has produced NaN at random on some CPUs, so run again, and if it repeats check the model's weights.");
            }
        }
    }

    /// <summary>Seconds per stage, summed on the predictor's thread.</summary>
    private sealed class StageTimer
    {
        public double Setup;
        public double Wait;
        public double AroundModel;
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
