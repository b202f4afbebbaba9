using System.CommandLine;
using System.Globalization;
using Engine.Ensembling;
using Engine.IO;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine ensemble</c>: blend classification models' per-class probabilities or logits (<see cref="ClassEnsemble"/>),
/// optionally with weights searched on held-out labels (<see cref="EnsembleWeightSearch"/>).
/// </summary>
internal static class EnsembleCommand
{
    public static Command Create()
    {
        var probs = new Option<FileInfo[]>("--prob") { Description = "A model's scores: an .npy of N × C (or N) probabilities, or logits with --logits. Repeat per model.", Required = true, AllowMultipleArgumentsPerToken = false };
        var output = CommandLine.FileOption("--out", "Where to write the blend: .npy, N × C, float32 (float64 when an input is float64).", required: true);
        var weights = new Option<string?>("--weights") { Description = "One non-negative weight per model, comma-separated (e.g. 2,1,1); equal by default." };
        var method = new Option<string>("--method") { Description = "mean (weighted arithmetic mean), geometric (weighted geometric mean, rows rescaled to sum 1) or rank (per-class rank averaging, for AUC-like metrics).", DefaultValueFactory = _ => "mean" };
        var logits = new Option<bool>("--logits") { Description = "The inputs are logits: they are turned into probabilities by --activation." };
        var activation = new Option<string>("--activation") { Description = "With --logits: softmax (per row) or sigmoid (per value).", DefaultValueFactory = _ => "softmax" };
        var average = new Option<string>("--average") { Description = "With --logits: probabilities (activate each model, then blend with --method) or logits (weighted mean of logits, then activate).", DefaultValueFactory = _ => "probabilities" };
        var labels = CommandLine.FileOption("--labels", "Held-out labels (.npy of N integers 0 … C−1): prints the blend's --metric, and with --search-step searches the weights.");
        var metric = new Option<string>("--metric") { Description = "accuracy, log-loss or macro-f1 (scikit-learn's definitions).", DefaultValueFactory = _ => "accuracy" };
        var step = new Option<double?>("--search-step") { Description = "With --labels: try every weight vector on the simplex in steps of this (1/S: 0.1, 0.05 …) and write the best blend." };
        var json = CommandLine.JsonOption();
        var command = new Command("ensemble", "Blend classification models' probabilities or logits: weighted mean, geometric mean or rank averaging; optional weight search by accuracy, log loss or macro-F1.")
        {
            probs, output, weights, method, logits, activation, average, labels, metric, step, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var how = Choice.Parse("--method", parse.GetValue(method)!,
                ("mean", EnsembleMethod.Mean), ("geometric", EnsembleMethod.Geometric), ("rank", EnsembleMethod.Rank));
            var act = Choice.Parse("--activation", parse.GetValue(activation)!, ("softmax", Activation.Softmax), ("sigmoid", Activation.Sigmoid));
            bool averageLogits = Choice.Parse("--average", parse.GetValue(average)!, ("probabilities", false), ("logits", true));
            var score = Choice.Parse("--metric", parse.GetValue(metric)!, ("accuracy", ClassificationMetric.Accuracy),
                ("log-loss", ClassificationMetric.LogLoss), ("logloss", ClassificationMetric.LogLoss), ("macro-f1", ClassificationMetric.MacroF1));
            bool isLogits = parse.GetValue(logits);
            if (!isLogits && averageLogits)
                throw new ArgumentException("--average logits needs --logits (the inputs are probabilities).");
            if (averageLogits && how != EnsembleMethod.Mean)
                throw new ArgumentException($"--average logits takes the weighted mean; --method {parse.GetValue(method)} applies to probabilities.");
            double? searchStep = parse.GetValue(step);
            string? labelsPath = parse.GetValue(labels)?.FullName;
            if (searchStep is not null && labelsPath is null)
                throw new ArgumentException("--search-step needs --labels.");

            var files = parse.GetValue(probs)!;
            var models = new List<double[]>();
            int[]? shape = null;
            bool anyFloat64 = false;
            foreach (var file in files)
            {
                var header = NpyFile.ReadHeader(file.FullName);
                anyFloat64 |= header.Dtype == NpyDtype.Float64;
                var array = NpyFile.ReadFloat64(file.FullName);
                if (array.Shape.Length is not (1 or 2))
                    throw new InvalidDataException($"{file.FullName}: expected N × C scores (2-D) or N (1-D); the shape is ({string.Join(", ", array.Shape)}).");
                if (shape is null)
                    shape = array.Shape;
                else if (!shape.SequenceEqual(array.Shape))
                    throw new InvalidDataException($"{file.FullName}: shape ({string.Join(", ", array.Shape)}) differs from {files[0].FullName}'s ({string.Join(", ", shape)}).");
                models.Add(array.Data);
            }
            int classes = shape!.Length == 2 ? shape[1] : 1;
            if (isLogits)
            {
                // Weighted logit averaging happens in the blend; otherwise each model is activated first.
                if (!averageLogits)
                {
                    foreach (var m in models)
                        ClassEnsemble.Activate(m, classes, act);
                }
            }
            var w = parse.GetValue(weights) is { } text ? ParseWeights(text, models.Count) : [];

            int[]? truth = null;
            if (labelsPath is not null)
            {
                var y = NpyFile.ReadInt64(labelsPath);
                if (y.Shape.Length != 1 || y.Shape[0] != shape[0])
                    throw new InvalidDataException($"{labelsPath}: expected {shape[0]} labels (1-D, one per sample); the shape is ({string.Join(", ", y.Shape)}).");
                truth = new int[y.Data.Length];
                for (int i = 0; i < truth.Length; i++)
                {
                    if (y.Data[i] < 0 || y.Data[i] >= Math.Max(classes, 2))
                        throw new InvalidDataException($"{labelsPath}: sample {i} has label {y.Data[i]}, not a class 0 to {Math.Max(classes, 2) - 1}.");
                    truth[i] = (int)y.Data[i];
                }
            }

            WeightSearchResult? search = null;
            if (searchStep is { } s)
            {
                var scored = isLogits && averageLogits
                    ? throw new ArgumentException("--search-step blends probabilities; leave --average at probabilities.")
                    : classes == 1 ? models.Select(TwoColumns).ToArray() : models.ToArray();
                search = EnsembleWeightSearch.Grid(scored, Math.Max(classes, 2), truth, how, score, s);
                w = search.Best.Weights;
            }

            var blend = isLogits && averageLogits
                ? ClassEnsemble.CombineLogits(models, classes, w, act, averageLogits: true)
                : ClassEnsemble.Combine(models, classes, w, how);
            double? value = truth is null ? null
                : ClassificationMetrics.Score(classes == 1 ? TwoColumns(blend) : blend, Math.Max(classes, 2), truth, score);

            string outPath = parse.GetValue(output)!.FullName;
            if (anyFloat64)
                NpyFile.Write(outPath, blend, shape);
            else
                NpyFile.Write(outPath, Array.ConvertAll(blend, v => (float)v), shape);

            new EnsembleResult(Models: files.Length, Samples: shape[0], Classes: classes, Method: how.ToString().ToLowerInvariant(),
                Weights: w.Length == 0 ? Enumerable.Repeat(1.0, models.Count).ToArray() : w, Metric: truth is null ? null : parse.GetValue(metric), Score: value,
                Candidates: search?.Candidates.Select(c => new EnsembleResult.Candidate(c.Weights, c.Score)).ToArray(), Output: outPath)
            {
                EqualWeights = w.Length == 0,
                Search = search is null ? null : (searchStep!.Value, search.Best.Score),
            }.Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static double[] TwoColumns(double[] p)
    {
        var two = new double[2 * p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            two[2 * i] = 1 - p[i];
            two[2 * i + 1] = p[i];
        }
        return two;
    }

    private static double[] ParseWeights(string text, int models)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != models)
            throw new ArgumentException($"--weights {text}: {parts.Length} weights for {models} models; give one per --prob.");
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] >= 0) || !double.IsFinite(values[i]))
                throw new ArgumentException($"--weights {text}: '{parts[i]}' is not a non-negative number.");
        }
        return values;
    }
}
