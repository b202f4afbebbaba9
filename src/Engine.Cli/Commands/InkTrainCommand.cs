using System.CommandLine;
using System.Globalization;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Cli.Commands;

/// <summary><c>engine ink train</c>: trains the 2.5D ink model on fragments (<see cref="InkTrainer"/>) and writes a model directory.</summary>
internal static class InkTrainCommand
{
    public static Command Create()
    {
        var preset = InkTrainerOptions.Demo;
        var fragments = new Option<string[]>("--fragment")
        {
            Description = "A fragment directory (surface_volume/00.tif …, mask.png, inklabels.png); repeat for several.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "The model directory to write (config.json + weights.bin; the last epoch's in last/).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training tiles.", DefaultValueFactory = _ => preset.Epochs };
        var steps = new Option<int?>("--steps-per-epoch") { Description = "Optimizer steps per epoch (default: one pass over the training tiles)." };
        var tile = new Option<int>("--tile") { Description = "Tile side in pixels, a multiple of 32.", DefaultValueFactory = _ => preset.Input.Tile };
        var slices = new Option<string>("--slices") { Description = "Slices the model reads, FIRST..LAST inclusive; their count must divide into the depth groups.", DefaultValueFactory = _ => preset.Input.Slices.ToString() };
        var groups = new Option<int?>("--groups") { Description = "Depth groups the slices are split into (default: the divisor of the slice count nearest 4)." };
        var batch = new Option<int>("--batch") { Description = "Tiles per step.", DefaultValueFactory = _ => preset.BatchSize };
        var stride = new Option<int>("--stride") { Description = "Step between training tile origins in pixels.", DefaultValueFactory = _ => preset.TrainStride };
        var learningRate = new Option<double>("--lr") { Description = "AdamW's peak learning rate (warm-up, then cosine).", DefaultValueFactory = _ => preset.LearningRate };
        var fold = new Option<int>("--fold") { Description = "The vertical strip held out for validation, 0 … folds − 1.", DefaultValueFactory = _ => preset.Fold };
        var folds = new Option<int>("--folds") { Description = "Vertical strips per fragment (group k-fold); 1 trains on everything without validation.", DefaultValueFactory = _ => preset.Folds };
        var seed = new Option<int>("--seed") { Description = "Seed of the initial weights, tile order and augmentations.", DefaultValueFactory = _ => preset.Seed };
        var labels = new Option<string>("--labels") { Description = "Label downsampling to the 1/32 grid: area (mean of each 32 × 32 cell) or bilinear (align_corners=True, the 2nd place's).", DefaultValueFactory = _ => preset.Labels.ToString().ToLowerInvariant() };
        var onNaN = new Option<string>("--on-nan") { Description = "On a NaN/Inf loss or prediction: stop, or skip the step and count it.", DefaultValueFactory = _ => "stop" };
        var backend = CommandLine.BackendOption();
        var json = CommandLine.JsonOption();
        var command = new Command("train", "Train the 2.5D ink model (TorchSharp) on fragments: tiles over the mask, augmentations, BCE + soft F0.5 loss, AdamW, EMA; validation F0.5 at the best percentile on a held-out strip.")
        {
            fragments, output, epochs, steps, tile, slices, groups, batch, stride, learningRate, fold, folds, seed, labels, onNaN, backend, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            // The trainer checks its options too, in its own field names; these say the flag a user typed.
            CommandLine.InRange(parse.GetValue(epochs), "--epochs", 1, 100_000);
            if (parse.GetValue(steps) is { } stepCount)
                CommandLine.InRange(stepCount, "--steps-per-epoch", 1, 10_000_000);
            CommandLine.InRange(parse.GetValue(batch), "--batch", 1, 65_536);
            CommandLine.InRange(parse.GetValue(stride), "--stride", 1, 65_536);
            int tileSide = CommandLine.InRange(parse.GetValue(tile), "--tile", 32, 8192, ", a multiple of 32");
            if (tileSide % 32 != 0)
                throw new ArgumentException($"--tile {tileSide} is not a multiple of 32 (the model's output stride).");
            if (parse.GetValue(learningRate) is var lr && !(lr > 0 && lr <= 10))
                throw new ArgumentException($"--lr {lr.ToString(CultureInfo.InvariantCulture)} is not a learning rate in (0, 10].");
            int foldCount = CommandLine.InRange(parse.GetValue(folds), "--folds", 1, 1000);
            if (foldCount > 1)
                CommandLine.InRange(parse.GetValue(fold), "--fold", 0, foldCount - 1, $" (--folds {foldCount})");
            // 4 bytes a value of one batch of tiles, for the input alone: refuse what no memory here holds before reading a slice.
            var range = SliceRange.Parse(parse.GetValue(slices)!);
            CommandLine.RequireMemory((long)parse.GetValue(batch) * range.Count * tileSide * tileSide * sizeof(float),
                $"--batch {parse.GetValue(batch)} of {range.Count} slices × --tile {tileSide}");
            int depthGroups = Groups(range, parse.GetValue(groups));
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var options = preset with
            {
                Model = preset.Model with { Groups = depthGroups, ChannelsPerGroup = range.Count / depthGroups },
                Input = preset.Input with { Slices = range, Tile = parse.GetValue(tile) },
                Epochs = parse.GetValue(epochs),
                StepsPerEpoch = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                TrainStride = parse.GetValue(stride),
                LearningRate = parse.GetValue(learningRate),
                Fold = parse.GetValue(fold),
                Folds = parse.GetValue(folds),
                Seed = parse.GetValue(seed),
                Labels = Choice.Parse("--labels", parse.GetValue(labels)!, ("area", InkLabelMode.Area), ("bilinear", InkLabelMode.Bilinear)),
                OnNonFinite = Choice.Parse("--on-nan", parse.GetValue(onNaN)!, ("stop", InkNonFinitePolicy.Stop), ("skip", InkNonFinitePolicy.Skip)),
                Compute = compute,
            };
            options.Validate();
            string[] directories = parse.GetValue(fragments)!.Select(Path.GetFullPath).ToArray();
            string model = Path.GetFullPath(parse.GetValue(output)!);
            var result = Train(parse, stdout, directories, model, options, printEpochs: !parse.GetValue(json), cancel);

            new InkTrainResult(Fragments: directories, Model: result.ModelDirectory, Slices: range.ToString(), Tile: options.Input.Tile, Groups: depthGroups,
                Labels: options.Labels.ToString().ToLowerInvariant(), Backend: compute.Backend.ToString(), Epochs: result.Epochs, Best: result.Best,
                BestEpoch: result.BestEpoch, SkippedSteps: result.SkippedSteps, TrainTiles: result.TrainTiles, ValidTiles: result.ValidTiles,
                Steps: result.StepLosses.Count, SecondsPerStep: result.SecondsPerStep, TilesPerSecond: options.BatchSize / result.SecondsPerStep,
                Seconds: result.Seconds)
            {
                BatchSize = options.BatchSize,
            }.Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Trains with a progress bar (loss, and each epoch's F0.5 and tiles/s) and, when <paramref name="printEpochs"/>,
    /// a line per epoch on <paramref name="stdout"/>; <c>engine demo</c> trains through here too.
    /// </summary>
    internal static InkTrainingResult Train(ParseResult parse, TextWriter stdout, IReadOnlyList<string> directories, string model,
        InkTrainerOptions options, bool printEpochs, CancellationToken cancellationToken)
    {
        // The bar starts with the first step's report, which knows the steps in all (they follow from the tiles).
        ProgressBar? bar = null;
        try
        {
            var progress = new SynchronousProgress(p =>
            {
                bar ??= ProgressBar.Start(parse, "Training", p.Steps);
                bar.Report(p.Step);
                bar.SetStatus(p.Finished is { } e
                    ? Describe(e)
                    : string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4}"));
                if (p.Finished is not null && printEpochs)
                    stdout.WriteLine(Describe(p.Finished));
            });
            var result = InkTrainer.Train(directories, model, options, progress, cancellationToken);
            Plots.TrainingCurvesPlot.WriteBesideCheckpoints(result);
            return result;
        }
        finally
        {
            bar?.Dispose();
        }
    }

    private static string Describe(InkEpoch e) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {e.Epoch}: loss {e.Loss:F4}{(e.Validation is { } v ? $", valid F0.5 {v.FBeta:F3} (P {v.Precision:F3}, R {v.Recall:F3}, quantile {v.Quantile:F2})" : "")}, {e.TilesPerSecond:F1} tiles/s, {e.Seconds:F1} s{(e.SkippedSteps > 0 ? $", {e.SkippedSteps} steps skipped" : "")}");

    /// <summary>The groups for <paramref name="range"/>: as given (it must divide the slice count) or the divisor nearest 4.</summary>
    private static int Groups(SliceRange range, int? requested)
    {
        if (requested is { } g)
        {
            if (g < 1 || range.Count % g != 0)
                throw new ArgumentException($"--slices {range} has {range.Count} slices, which do not split into --groups {g} equal groups.");
            return g;
        }
        return Enumerable.Range(1, range.Count).Where(d => range.Count % d == 0).OrderBy(d => Math.Abs(d - 4)).ThenByDescending(d => d).First();
    }

    /// <summary>Reports on the training thread itself, so the lines print in order and before the summary.</summary>
    private sealed class SynchronousProgress(Action<InkTrainingProgress> report) : IProgress<InkTrainingProgress>
    {
        public void Report(InkTrainingProgress value) => report(value);
    }
}
