using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Search;
using Engine.Torch.Identity;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine demo identify</c>: re-identification end to end on a synthetic set the engine writes (individuals of a
/// few species with stable markings under random pose, lighting, blur and occlusion; a long tail; about 20 % of the
/// test images of individuals absent from training): train, predict, score MAP@5 beside a raw-pixel baseline
/// searched and ranked the same way.
/// </summary>
internal static class DemoIdentifyCommand
{
    public static Command Create()
    {
        var preset = Preset;
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the synthetic set, the model and the submission.", DefaultValueFactory = _ => new DirectoryInfo("out/demo-identify") };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic set and of the training.", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => preset.Epochs };
        var individuals = new Option<int>("--individuals") { Description = "Known individuals per species (3 species).", DefaultValueFactory = _ => Set.IndividualsPerSpecies };
        var rounds = new Option<int>("--pseudo-rounds") { Description = "Pseudo-label rounds after training (as identify predict's), each scored on the test truth.", DefaultValueFactory = _ => 0 };
        var json = CommandLine.JsonOption();
        var command = new Command("identify", "Re-identification on a synthetic set: write it, train the ArcFace embedding model, predict the test images, print MAP@5 beside a raw-pixel baseline.")
        {
            output, seed, epochs, individuals, rounds, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var options = preset with { Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed) };
            options.Validate();
            int pseudo = parse.GetValue(rounds);
            if (pseudo is < 0 or > 20)
                throw new ArgumentException($"--pseudo-rounds {pseudo} is outside 0 … 20.");
            var setOptions = Set with { Seed = parse.GetValue(seed), IndividualsPerSpecies = parse.GetValue(individuals) };
            setOptions.Validate();
            var folder = parse.GetValue(output)!;
            folder.Create();
            bool text = !parse.GetValue(json);
            var total = Stopwatch.StartNew();
            var clock = Stopwatch.StartNew();
            var set = SyntheticIdentities.Write(folder.FullName, setOptions);
            double generate = clock.Elapsed.TotalSeconds;
            if (text)
                stdout.WriteLine($"synthetic set: {set.TrainImages} training images of {setOptions.Species * setOptions.IndividualsPerSpecies} individuals ({setOptions.Species} species), {set.TestImages} test images ({set.UnseenTestImages} of unseen individuals) in {folder.FullName} ({F(generate, "F1")} s)");
            var train = IdentityCsv.Read(set.TrainCsv, set.Images, requireIndividual: true);
            var test = IdentityCsv.Read(set.TestCsv, set.Images, requireIndividual: false);
            var truth = IdentityCsv.Read(set.TruthCsv, null, requireIndividual: true).ToDictionary(r => r.Image, r => r.Individual!);
            var truths = test.Select(t => truth[t.Image]).ToArray();

            string model = Path.Combine(folder.FullName, "model");
            var training = IdentifyCommand.Train(parse, stdout, train, set.Images, model, options, printEpochs: text);
            var first = IdentityPredictor.Predict([model], train, test, set.Images, threshold: null);
            double firstMap = IdentityRanking.MapAtK(first.Predictions, truths);
            var (prediction, pseudoRounds) = IdentityPseudoLabels.Run(first, [model], train, test, set.Images, threshold: null, pseudo,
                IdentityPseudoLabels.DefaultConfidence, folder.FullName);
            var roundScores = pseudoRounds.Select(r => new { r.Round, r.Added, r.ValidMap, r.Kept, testMap5 = IdentityRanking.MapAtK(r.Prediction.Predictions, truths) }).ToArray();
            string submission = Path.Combine(folder.FullName, "submission.csv");
            double write = IdentityPredictor.WriteSubmission(submission, prediction);
            var seconds = prediction.Seconds with { Write = write, Total = prediction.Seconds.Total + write };
            double map = IdentityRanking.MapAtK(prediction.Predictions, truths);

            clock.Restart();
            var (labels, scores) = IdentityPredictor.RawPixelRanking(train, test, set.Images);
            // The baseline's threshold is chosen on the test truth itself: an advantage the model does not get.
            var (baselineThreshold, baseline, baselineMaps) = IdentityRanking.BestThreshold<string>(labels, scores, truths, IdentityRanker.Candidates, IdentityRanking.NewIndividual);
            string sweepPlot = Path.Combine(folder.FullName, "baseline-threshold-sweep.png");
            Plots.ThresholdSweepPlot.Write(IdentityRanker.Candidates, baselineMaps, baselineThreshold, "Raw-pixel kNN baseline: MAP@5 over the new_individual threshold (test truth)", sweepPlot);
            double baselineSeconds = clock.Elapsed.TotalSeconds;
            double totalSeconds = total.Elapsed.TotalSeconds;
            if (!text)
            {
                CommandLine.WriteJson(stdout, new
                {
                    trainImages = set.TrainImages, testImages = set.TestImages, unseenTestImages = set.UnseenTestImages,
                    epochs = training.Epochs.Count, firstEpochLoss = training.Epochs[0].Loss, lastEpochLoss = training.Epochs[^1].Loss,
                    validMap5 = training.Epochs[^1].Validation?.Map, threshold = prediction.Threshold, firstMap5 = firstMap, pseudoRounds = roundScores,
                    map5 = map, baselineMap5 = baseline, baselineThreshold, submission,
                    seconds = new { generate, train = training.Seconds, predict = seconds.Total, predictStages = seconds, baseline = baselineSeconds, total = totalSeconds },
                    engineShare = seconds.EngineShare,
                });
                return 0;
            }
            if (roundScores.Length > 0)
                stdout.WriteLine($"before pseudo-labelling: test MAP@5 {F(firstMap)}, valid MAP@5 {F(training.Epochs[^1].Validation?.Map ?? double.NaN)}");
            foreach (var r in roundScores)
                stdout.WriteLine($"pseudo-label round {r.Round}: {r.Added} test images added; valid MAP@5 {F(r.ValidMap)}, test MAP@5 {F(r.testMap5)}{(r.Kept ? "" : " (valid MAP@5 fell: not used, rounds stopped)")}");
            stdout.WriteLine($"test MAP@5 {F(map)} (threshold {F(prediction.Threshold, "F2")} chosen on the validation split); raw-pixel baseline {F(baseline)} (its best threshold on the test truth, {F(baselineThreshold, "F2")})");
            stdout.WriteLine($"wrote {submission} and {sweepPlot}");
            stdout.WriteLine($"time: generate {F(generate, "F1")} s, train {F(training.Seconds, "F1")} s, predict {F(seconds.Total, "F1")} s (engine {F(100 * seconds.EngineShare, "F1")} %), baseline {F(baselineSeconds, "F1")} s; total {F(totalSeconds, "F1")} s");
            return 0;
        }));
        return command;
    }

    /// <summary>The synthetic set's default shape.</summary>
    internal static SyntheticIdentityOptions Set { get; } = new() { Species = 3, IndividualsPerSpecies = 30, MaxImages = 10, Size = 32 };

    /// <summary>The demo's training options.</summary>
    internal static IdentityTrainerOptions Preset { get; } = new()
    {
        // Sized for 2 shared CPU cores: 32-px photos and a three-stage net.
        Model = new IdentityModelConfig { Widths = [16, 32, 48], BlocksPerStage = 0, EmbeddingSize = 64 },
        Size = 32,
        // Measured: 60 epochs took 65 s on the idle 2-core machine and reached test MAP@5 0.44 (30 epochs: 0.32).
        Epochs = 60,
    };

    private static string F(double value, string format = "F4") => value.ToString(format, CultureInfo.InvariantCulture);
}
