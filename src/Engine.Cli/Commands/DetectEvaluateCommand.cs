using System.CommandLine;
using System.Diagnostics;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine detect evaluate</c>: COCO box mAP of a results file against a ground truth, equal to pycocotools'
/// COCOeval (<see cref="CocoEvaluation"/>).
/// </summary>
internal static class DetectEvaluateCommand
{
    public static Command Create()
    {
        var gt = CommandLine.FileOption("--gt", "COCO ground truth (instances JSON: images, categories, annotations with bbox, area, iscrowd).", required: true);
        var dt = CommandLine.FileOption("--dt", "Detections in COCO results format: a JSON array of {image_id, category_id, bbox: [x, y, w, h], score}.", required: true);
        var plot = CommandLine.FileOption("--plot", "Also write precision-recall curves (area all, maxDets 100; one per IoU threshold, averaged over categories) to this PNG.");
        var json = CommandLine.JsonOption();
        var command = new Command("evaluate", "COCO box evaluation (AP, AR at IoU .50:.95, by area and maxDets) with pycocotools' COCOeval answers; --json adds per-category AP.")
        {
            gt, dt, plot, json,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            string gtPath = parse.GetValue(gt)!.FullName, dtPath = parse.GetValue(dt)!.FullName;
            string? plotPath = parse.GetValue(plot)?.FullName;
            var clock = Stopwatch.StartNew();
            var groundTruth = CocoJson.ReadGroundTruth(File.ReadAllBytes(gtPath), gtPath);
            var detections = CocoJson.ReadResults(File.ReadAllBytes(dtPath), dtPath);
            double readSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var result = CocoEvaluation.Evaluate(groundTruth, detections);
            double evaluateSeconds = clock.Elapsed.TotalSeconds;
            if (plotPath is not null)
                PrecisionRecallPlot.Write(result, plotPath);

            if (parse.GetValue(json))
            {
                CommandLine.WriteJson(stdout, new
                {
                    gt = gtPath,
                    dt = dtPath,
                    images = result.ImageCount,
                    categories = result.CategoryIds.Length,
                    annotations = groundTruth.AnnotationCount,
                    detections = detections.Count,
                    unknownCategoryDetections = result.UnknownCategoryDetections,
                    stats = CocoEvaluationResult.StatNames.Select((name, s) => (name, s)).ToDictionary(x => x.name, x => result.Stats[x.s]),
                    perCategory = result.CategoryIds.Select((id, k) => new { id, name = result.CategoryNames[k], ap = result.CategoryAp[k] }).ToArray(),
                    plot = plotPath,
                    readSeconds,
                    evaluateSeconds,
                });
            }
            else
            {
                stdout.Write(result.Summary());
                stdout.WriteLine($"{CommandLine.Count(result.ImageCount)} images, {CommandLine.Count(result.CategoryIds.Length)} categories, "
                    + $"{CommandLine.Count(groundTruth.AnnotationCount)} annotations, {CommandLine.Count(detections.Count)} detections; read in {readSeconds:F3} s, evaluated in {evaluateSeconds:F3} s");
                if (result.UnknownCategoryDetections > 0)
                    stdout.WriteLine($"{CommandLine.Count(result.UnknownCategoryDetections)} detections of categories {gtPath} does not list were not evaluated (as in pycocotools)");
                if (plotPath is not null)
                    stdout.WriteLine($"wrote {plotPath}");
            }
            return 0;
        }));
        return command;
    }
}
