using System.CommandLine;
using System.Globalization;
using Engine.Cli.Results;
using Engine.IO;
using Engine.Torch.Identity;

namespace Engine.Cli.Commands;

/// <summary><c>engine identify</c>: re-identification of individual animals from photos (Happywhale style).</summary>
internal static class IdentifyCommand
{
    public static Command Create() => new("identify", "Re-identify individuals from photos: train an ArcFace embedding model, embed images, predict the top five individuals (or new_individual), score MAP@5.")
    {
        TrainCommand(), EmbedCommand(), PredictCommand(), ScoreCommand(),
    };

    private static Command TrainCommand()
    {
        var preset = new IdentityTrainerOptions();
        var trainCsv = new Option<string>("--train") { Description = "CSV with the columns image,individual_id[,species].", Required = true };
        var images = new Option<string>("--images") { Description = "The folder holding the images (PNG or JPEG).", Required = true };
        var output = new Option<string>("--out") { Description = "The model directory to write (config.json + weights.bin).", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => preset.Epochs };
        var size = new Option<int>("--size") { Description = "The model's input side in pixels.", DefaultValueFactory = _ => preset.Size };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights, split, order and augmentations.", DefaultValueFactory = _ => preset.Seed };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => preset.BatchSize };
        var lr = new Option<double>("--lr") { Description = "AdamW's peak learning rate (warm-up, then cosine).", DefaultValueFactory = _ => preset.LearningRate };
        var embedding = new Option<int>("--embedding") { Description = "Embedding length.", DefaultValueFactory = _ => preset.Model.EmbeddingSize };
        var subCenters = new Option<int>("--sub-centers") { Description = "ArcFace sub-centres per individual (1: plain ArcFace).", DefaultValueFactory = _ => preset.SubCenters };
        var crop = new Option<bool>("--center-crop") { Description = "Crop each photo to its centred square instead of stretching it." };
        var holdOut = new Option<double>("--hold-out") { Description = "Fraction of individuals held out whole for validation (new_individual); 0 with --hold-out-images 0 trains on everything.", DefaultValueFactory = _ => preset.HoldOutIndividuals };
        var holdOutImages = new Option<double>("--hold-out-images") { Description = "Fraction of the other individuals' images held out for validation.", DefaultValueFactory = _ => preset.HoldOutImages };
        var onNaN = new Option<string>("--on-nan") { Description = "On a NaN/Inf loss or embedding: stop, or skip the step.", DefaultValueFactory = _ => "stop" };
        var json = CommandLine.JsonOption();
        var command = new Command("train", "Train an embedding model (small CNN, GeM, BN neck, ArcFace with adaptive margins) on a CSV and an image folder; validate every epoch on held-out individuals and images (MAP@5, new_individual threshold swept globally and per species).")
        {
            trainCsv, images, output, epochs, size, seed, batch, lr, embedding, subCenters, crop, holdOut, holdOutImages, onNaN, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            string nan = parse.GetValue(onNaN)!;
            if (nan is not ("stop" or "skip"))
                throw new ArgumentException($"--on-nan {nan} is not one of stop, skip.");
            var options = preset with
            {
                Epochs = parse.GetValue(epochs), Size = parse.GetValue(size), Seed = parse.GetValue(seed), BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr), SubCenters = parse.GetValue(subCenters),
                Model = preset.Model with { EmbeddingSize = parse.GetValue(embedding) },
                Resize = parse.GetValue(crop) ? IdentityResize.CenterCrop : IdentityResize.Stretch,
                HoldOutIndividuals = parse.GetValue(holdOut), HoldOutImages = parse.GetValue(holdOutImages), SkipNonFinite = nan == "skip",
            };
            options.Validate();
            string folder = parse.GetValue(images)!;
            var records = IdentityCsv.Read(parse.GetValue(trainCsv)!, folder, requireIndividual: true);
            var result = Train(parse, stdout, records, folder, Path.GetFullPath(parse.GetValue(output)!), options, printEpochs: !parse.GetValue(json), cancel);
            IdentifyTrainResult.From(result).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    internal static IdentityTrainingResult Train(ParseResult parse, TextWriter stdout, IReadOnlyList<IdentityRecord> records, string images,
        string model, IdentityTrainerOptions options, bool printEpochs, CancellationToken cancellationToken)
    {
        ProgressBar? bar = null;
        try
        {
            var progress = new SynchronousProgress<IdentityTrainingProgress>(p =>
            {
                bar ??= ProgressBar.Start(parse, "Training", p.Steps);
                bar.Report(p.Step);
                bar.SetStatus($"epoch {p.Epoch}/{p.Epochs} loss {IdentifyText.F(p.Loss)}");
                if (p.EpochDone && printEpochs)
                    stdout.WriteLine(p.Validation is { } v
                        ? $"epoch {p.Epoch}: loss {IdentifyText.F(p.Loss)}, valid MAP@5 {IdentifyText.F(v.Map)} at threshold {IdentifyText.F(v.Threshold, "F2")} (per species {IdentifyText.F(v.SpeciesMap)}), {v.Queries} queries, {v.NewQueries} of them new"
                        : $"epoch {p.Epoch}: loss {IdentifyText.F(p.Loss)}");
            });
            return IdentityTrainer.Train(records, images, model, options, progress, cancellationToken: cancellationToken);
        }
        finally
        {
            bar?.Dispose();
        }
    }

    private static Command EmbedCommand()
    {
        var model = new Option<string>("--model") { Description = "The model directory.", Required = true };
        var csv = new Option<string>("--csv") { Description = "CSV with an image column.", Required = true };
        var images = new Option<string>("--images") { Description = "The image folder.", Required = true };
        var output = new Option<string>("--out") { Description = "The float32 (rows, E) .npy to write, rows in the CSV's order.", Required = true };
        var json = CommandLine.JsonOption();
        var command = new Command("embed", "Embed a CSV's images with a model (flip TTA, L2-normalized) into a .npy.") { model, csv, images, output, json };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            string folder = parse.GetValue(images)!;
            var records = IdentityCsv.Read(parse.GetValue(csv)!, folder, requireIndividual: false);
            var (net, checkpoint) = IdentityCheckpoint.Load(parse.GetValue(model)!);
            using var _ = net;
            float[] embeddings;
            using (var bar = ProgressBar.Start(parse, "Embedding", records.Count))
                embeddings = IdentityPredictor.Embed(net, checkpoint, records.Select(r => Path.Combine(folder, r.Image)).ToArray(), progress: bar, cancellationToken: cancel).Embeddings;
            string path = Path.GetFullPath(parse.GetValue(output)!);
            NpyFile.Write(path, embeddings, [records.Count, net.Config.EmbeddingSize]);
            new IdentifyEmbedResult(path, records.Count, net.Config.EmbeddingSize).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static Command PredictCommand()
    {
        var models = new Option<string[]>("--model") { Description = "A model directory; repeat for an ensemble (cosine similarities averaged).", Required = true, AllowMultipleArgumentsPerToken = false };
        var trainCsv = new Option<string>("--train") { Description = "The training CSV (image,individual_id[,species]): the individuals searched.", Required = true };
        var testCsv = new Option<string>("--test") { Description = "The CSV of images to identify (an image column; species used when present).", Required = true };
        var images = new Option<string>("--images") { Description = "The image folder.", Required = true };
        var output = new Option<string>("--out") { Description = "The submission to write: image,predictions (five space-separated ids).", Required = true };
        var threshold = new Option<string>("--threshold") { Description = "new_individual threshold: auto (the models' validated ones, per species where known) or a number.", DefaultValueFactory = _ => "auto" };
        var rounds = new Option<int>("--pseudo-rounds") { Description = "Pseudo-label rounds: retrain (same options, seed and validation split) with test images whose top individual's similarity reaches --confidence, then predict again; a round whose validation MAP@5 drops is not used and ends the rounds.", DefaultValueFactory = _ => 0 };
        var confidence = new Option<double>("--confidence") { Description = "Similarity a test image's top individual needs to join training in a pseudo-label round.", DefaultValueFactory = _ => 0.8 };
        var json = CommandLine.JsonOption();
        var command = new Command("predict", "Predict the five most likely individuals of each test image (or new_individual) and write the submission CSV.")
        {
            models, trainCsv, testCsv, images, output, threshold, rounds, confidence, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            string text = parse.GetValue(threshold)!;
            double? t = text == "auto" ? null
                : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v
                : throw new ArgumentException($"--threshold {text} is neither auto nor a number.");
            string folder = parse.GetValue(images)!;
            var train = IdentityCsv.Read(parse.GetValue(trainCsv)!, folder, requireIndividual: true);
            var test = IdentityCsv.Read(parse.GetValue(testCsv)!, folder, requireIndividual: false);
            var modelList = parse.GetValue(models)!;
            int pseudo = parse.GetValue(rounds);
            if (pseudo < 0 || pseudo > 20)
                throw new ArgumentException($"--pseudo-rounds {pseudo} is outside 0 … 20.");
            string path = Path.GetFullPath(parse.GetValue(output)!);
            IdentityPrediction first;
            using (var bar = ProgressBar.Start(parse, "Embedding", (long)modelList.Length * (train.Count + test.Count)))
                first = IdentityPredictor.Predict(modelList, train, test, folder, t, bar, cancel);
            var (prediction, roundReports) = IdentityPseudoLabels.Run(first, modelList, train, test, folder, t, pseudo, parse.GetValue(confidence), Path.GetDirectoryName(path)!,
                cancellationToken: cancel);
            double write = IdentityPredictor.WriteSubmission(path, prediction);
            var seconds = prediction.Seconds with { Write = write, Total = prediction.Seconds.Total + write };
            new IdentifyPredictResult(path, test.Count, prediction.Threshold, prediction.SpeciesThresholds, IdentifyPredictResult.CountNewFirst(prediction), roundReports, seconds)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static Command ScoreCommand()
    {
        var predictions = new Option<string>("--pred") { Description = "The submission CSV (image,predictions).", Required = true };
        var truth = new Option<string>("--truth") { Description = "CSV with image,individual_id (new_individual for an individual absent from training).", Required = true };
        var json = CommandLine.JsonOption();
        var command = new Command("score", "MAP@5 of a submission against the truth (Kaggle's definition: 1/rank of the first correct id within five; new_individual counts as an id).") { predictions, truth, json };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            new IdentifyScoreResult(IdentityPredictor.Score(parse.GetValue(predictions)!, parse.GetValue(truth)!)).Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
