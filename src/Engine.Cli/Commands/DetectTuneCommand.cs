using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine detect tune</c>: a grid (or random) search over fusion settings scored by COCO mAP against a ground truth.
/// The prediction sets are read and normalized once (<see cref="CocoFusionInput"/>), the ground truth once; each
/// candidate fuses every image on every core and evaluates every category on every core.
/// </summary>
internal static class DetectTuneCommand
{
    public static Command Create()
    {
        var gt = CommandLine.FileOption("--gt", "COCO ground truth (images with width and height, categories, annotations).", required: true);
        var preds = DetectFuseCommand.PredOption();
        var views = DetectFuseCommand.ViewOption();
        var output = CommandLine.FileOption("--out", "Where to write the best candidate's fused detections (COCO results format).", required: true);
        var method = new Option<string>("--method") { Description = "wbf, nmw, nms, soft-nms-linear or soft-nms-gaussian.", DefaultValueFactory = _ => "wbf" };
        var iou = new Option<string?>("--iou-thr") { Description = "IoU thresholds to try: a list (0.4,0.5) or a range start:stop:step, stop included (0.3:0.7:0.05). Default: the method's default." };
        var skip = new Option<string>("--skip-box-thr") { Description = "wbf, nmw: skip thresholds to try, a list or a range.", DefaultValueFactory = _ => "0" };
        var confType = new Option<string>("--conf-type") { Description = "wbf: conf types to try, comma-separated (avg, max, box_and_model_avg, absent_model_aware_avg).", DefaultValueFactory = _ => "avg" };
        var weights = new Option<string?>("--weights") { Description = "Weight vectors to try, separated by ';', each one weight per --pred (e.g. \"1,1;2,1;1,2\"). Default: weights=None." };
        var random = new Option<int?>("--random") { Description = "Try this many candidates drawn at random (without repeats) from the grid instead of all of it." };
        var seed = new Option<int>("--seed") { Description = "Seed of --random.", DefaultValueFactory = _ => 0 };
        var metric = new Option<string>("--metric") { Description = "The summary number to maximize: AP (.50:.95), AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.", DefaultValueFactory = _ => "AP" };
        var plot = CommandLine.FileOption("--plot", "Also write a heat map of the metric over IoU threshold × skip threshold (the best over the other settings) to this PNG.");
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("tune", "Search fusion settings (IoU and skip thresholds, conf type, model weights) for the best COCO mAP; writes the best fused detections.")
        {
            gt, preds, views, output, method, iou, skip, confType, weights, random, seed, metric, plot, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var fusion = DetectFuseCommand.ParseMethod(parse.GetValue(method)!);
            string metricName = parse.GetValue(metric)!;
            int statIndex = Array.FindIndex(CocoEvaluationResult.StatNames, n => n.Equals(metricName, StringComparison.OrdinalIgnoreCase));
            if (statIndex < 0)
                throw new ArgumentException($"--metric {metricName} is not one of {string.Join(", ", CocoEvaluationResult.StatNames)}.");
            var predFiles = parse.GetValue(preds)!;
            var ious = parse.GetValue(iou) is { } iouText ? ParseValues(iouText, "--iou-thr") : [DetectFuseCommand.DefaultIou(fusion)];
            var skips = ParseValues(parse.GetValue(skip)!, "--skip-box-thr");
            var confs = parse.GetValue(confType)!.Split(',', StringSplitOptions.TrimEntries).Select(WbfConfTypeNames.Parse).Distinct().ToArray();
            var weightSets = parse.GetValue(weights) is { } wText
                ? wText.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => (double[]?)DetectFuseCommand.ParseWeights(v, predFiles.Length, "--weights")).ToArray()
                : [null];
            var grid = (from w in weightSets from c in confs from s in skips from t in ious
                        select new FusionSettings(fusion, t, s, c, w)).ToList();
            int? randomCount = parse.GetValue(random);
            if (randomCount is { } r)
            {
                if (r <= 0)
                    throw new ArgumentException($"--random {r} must be positive.");
                var rng = new Random(parse.GetValue(seed));
                grid = grid.OrderBy(_ => rng.Next()).Take(r).ToList();
            }

            var clock = Stopwatch.StartNew();
            string gtPath = parse.GetValue(gt)!.FullName;
            var groundTruth = CocoJson.ReadGroundTruth(File.ReadAllBytes(gtPath), gtPath);
            var input = DetectFuseCommand.ReadInput(groundTruth, predFiles, parse.GetValue(views));
            double readSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var scores = new double[grid.Count];
            var stats = new double[grid.Count][];
            int best = -1;
            CocoDetections? bestFused = null;
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            using (var bar = ProgressBar.Start(parse, "Tuning", grid.Count))
            {
                for (int i = 0; i < grid.Count; i++)
                {
                    var fused = CocoFusion.Fuse(input, grid[i], compute: compute);
                    stats[i] = CocoEvaluation.Evaluate(groundTruth, fused).Stats;
                    scores[i] = stats[i][statIndex];
                    if (best < 0 || scores[i] > scores[best])
                    {
                        best = i;
                        bestFused = fused;
                    }
                    bar?.Report(i + 1);
                }
            }
            double tuneSeconds = clock.Elapsed.TotalSeconds;

            string outPath = parse.GetValue(output)!.FullName;
            Engine.IO.AtomicFile.Write(outPath, stream => CocoJson.WriteResults(stream, bestFused!));
            string? plotPath = parse.GetValue(plot)?.FullName;
            if (plotPath is not null)
                TuneHeatmap.Write(grid, scores, CocoEvaluationResult.StatNames[statIndex], plotPath);

            new DetectTuneResult(Metric: CocoEvaluationResult.StatNames[statIndex], Images: input.ImageIds.Length, PredictionSets: input.ModelCount,
                Detections: input.DetectionCount,
                Candidates: grid.Select((g, i) => new DetectTuneResult.Candidate(DetectFuseCommand.MethodName(fusion), g.IouThreshold, g.SkipBoxThreshold,
                    WbfConfTypeNames.Name(g.ConfType), g.Weights, scores[i], DetectEvaluateResult.NamedStats(stats[i]))).ToArray(),
                Best: best, Output: outPath, Plot: plotPath, ReadSeconds: readSeconds, TuneSeconds: tuneSeconds)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>A comma-separated list, or start:stop:step with stop included (values rounded to 10 decimals, so 0.3:0.7:0.05 gives 0.35, not 0.35000000000000003).</summary>
    internal static double[] ParseValues(string text, string option)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length == 3)
        {
            var (start, stop, step) = (Number(parts[0]), Number(parts[1]), Number(parts[2]));
            if (!(step > 0) || stop < start)
                throw new ArgumentException($"{option} {text}: a range is start:stop:step with start ≤ stop and a positive step.");
            int count = (int)Math.Floor((stop - start) / step + 1e-9) + 1;
            if (count > 10_000)
                throw new ArgumentException($"{option} {text} makes {count} values; at most 10,000.");
            return Enumerable.Range(0, count).Select(i => Math.Round(start + i * step, 10)).ToArray();
        }
        if (parts.Length != 1)
            throw new ArgumentException($"{option} {text}: give a list (0.4,0.5) or a range start:stop:step.");
        return text.Split(',', StringSplitOptions.TrimEntries).Select(Number).Distinct().ToArray();

        double Number(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new ArgumentException($"{option} {text}: '{s}' is not a number.");
    }
}
