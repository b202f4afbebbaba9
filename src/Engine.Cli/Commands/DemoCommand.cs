using System.CommandLine;
using System.Diagnostics;
using Engine.IO;
using Engine.Segmentation;
using Engine.Torch.Ink;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine demo</c>, the main job end to end on a synthetic fragment: write the fragment's slices, train the ink
/// model on all of it but a held-out strip, run it over the whole fragment, threshold at the percentile that scores
/// best on the training part, and score F0.5 on the held-out strip.
/// </summary>
internal static class DemoCommand
{
    /// <summary>
    /// A quarter of the demo's 128-px tile: every pixel is seen by 4 × 4 windows. Measured on the demo fragment, the
    /// model's work then outweighs the engine's fixed costs (libtorch's flips for TTA, stitching, thresholding,
    /// writing) more than ten to one; at half a tile the engine's share was 15–17 % of a 2.6 s inference.
    /// </summary>
    private const int InferenceStride = 32;

    public static Command Create()
    {
        var preset = InkTrainerOptions.Demo;
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the fragment, the model and the maps.", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var size = new Option<int>("--size") { Description = "Height and width of the synthetic fragment in pixels.", DefaultValueFactory = _ => 1024 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic fragment and of the training.", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (the default takes about 3.5 minutes on 2 cores).", DefaultValueFactory = _ => preset.Epochs };
        var backend = CommandLine.BackendOption();
        var json = CommandLine.JsonOption();
        var command = new Command("demo", "The main job on a synthetic fragment: write 65 uint16 slices, train the 2.5D ink model on all but the right quarter, infer over the whole fragment with TTA and stitching, threshold at the percentile best on the training part, score F0.5 on the held-out quarter.")
        {
            output, size, seed, epochs, backend, json,
        };
        command.Subcommands.Add(DemoIdentifyCommand.Create());
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            int side = parse.GetValue(size);
            if (side < 256 || side > 16_384)
                throw new ArgumentException($"--size {side} is outside 256 … 16384 (the model's tiles are {preset.Input.Tile} px and a quarter is held out).");
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var options = preset with { Epochs = CommandLine.InRange(parse.GetValue(epochs), "--epochs", 1, 100_000), Seed = parse.GetValue(seed), Compute = compute };
            options.Validate(); // before minutes of writing slices
            var folder = parse.GetValue(output)!;
            folder.Create();
            string Path(string name) => System.IO.Path.Combine(folder.FullName, name);
            bool text = !parse.GetValue(json);
            var total = Stopwatch.StartNew();

            // 1. The fragment, in the competition's layout.
            var clock = Stopwatch.StartNew();
            var fragmentOptions = new SyntheticFragmentOptions { Width = side, Height = side, Seed = parse.GetValue(seed) };
            string fragment = Path("fragment");
            using (var bar = ProgressBar.Start(parse, "Writing slices", fragmentOptions.Slices))
                SyntheticFragment.Write(fragment, fragmentOptions, bar);
            double generateSeconds = clock.Elapsed.TotalSeconds;
            if (text)
                stdout.WriteLine($"synthetic fragment: {fragmentOptions.Slices} slices of {side} × {side} uint16 in {fragment} ({generateSeconds:F1} s)");

            // 2. Training on all but the held-out strip (the trainer's validation fold).
            var training = InkTrainCommand.Train(parse, stdout, [fragment], Path("model"), options, printEpochs: text, cancel);
            // The last epoch's EMA weights: the best epoch was chosen on the held-out strip, which must not choose anything.
            string model = System.IO.Path.Combine(training.ModelDirectory, "last");

            // 3. Inference over the whole fragment.
            var inferenceOptions = new InkInferenceOptions
            {
                Tta = InkTta.Flips,
                Stride = InferenceStride,
                // Not the checkpoint's own: validation chose that on the held-out strip, which must not choose anything.
                Quantile = InkInferenceOptions.DefaultQuantile,
                Compute = compute,
            };
            var inference = InkInferCommand.Run(parse, fragment, [model], folder.FullName, inferenceOptions, cancel);

            // 4. The percentile is chosen where the model trained, and judged where it did not.
            clock.Restart();
            var mask = MapFile.ReadMask(System.IO.Path.Combine(fragment, "mask.png"));
            var truth = MapFile.ReadMask(System.IO.Path.Combine(fragment, "inklabels.png"));
            var map = NpyFile.ReadFloat32(inference.ProbabilityNpy).Data;
            var (from, to) = options.ValidationColumns(side);
            var scores = HeldOutScore.Evaluate(map, mask, truth, (from, to));
            BinaryScores score = scores.HeldOut, allInk = scores.AllInk;
            // inference.InkPng and OverlayPng were drawn at the default percentile; redrawn at the chosen one.
            MapFile.WriteMask(inference.InkPng, new GrayImage<byte>(side, side, scores.Ink));
            InkOverlay.Write(inference.OverlayPng, new GrayImage<float>(side, side, map), scores.Ink, truth.Pixels);
            double thresholdSeconds = clock.Elapsed.TotalSeconds;
            double totalSeconds = total.Elapsed.TotalSeconds;
            long? peak = ProcessMemory.PeakResidentBytes();

            new DemoResult(Size: side, Slices: fragmentOptions.Slices, HeldOutColumns: [from, to], Epochs: training.Epochs.Count,
                Steps: training.StepLosses.Count, FirstEpochLoss: training.Epochs[0].Loss, LastEpochLoss: training.Epochs[^1].Loss,
                TrainingTilesPerSecond: options.BatchSize / training.SecondsPerStep, Quantile: scores.Quantile, TrainingFBeta: scores.TrainedFBeta,
                Threshold: scores.Threshold, Positives: scores.Positives, HeldOutFBeta: score.FBeta, HeldOutPrecision: score.Precision,
                HeldOutRecall: score.Recall, AllInkFBeta: allInk.FBeta, ModelWindowsPerSecond: inference.ModelWindowsPerSecond,
                EngineShare: inference.Seconds.EngineShare, Backend: inference.Backend.ToString(), Output: folder.FullName, PeakResidentBytes: peak,
                Seconds: new DemoResult.StageSeconds(generateSeconds, training.Seconds, inference.Seconds.Total, inference.Seconds, thresholdSeconds, totalSeconds),
                Inference: InkInferResult.Of(inference, fragment, [model], folder.FullName, InkInferCommand.TtaName(inferenceOptions.Tta), peakResident: null))
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
