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

            new DetectEvaluateResult(Gt: gtPath, Dt: dtPath, Images: result.ImageCount, Categories: result.CategoryIds.Length,
                Annotations: groundTruth.AnnotationCount, Detections: detections.Count, UnknownCategoryDetections: result.UnknownCategoryDetections,
                Stats: DetectEvaluateResult.NamedStats(result.Stats),
                PerCategory: result.CategoryIds.Select((id, k) => new DetectEvaluateResult.CategoryAp(id, result.CategoryNames[k], result.CategoryAp[k])).ToArray(),
                Plot: plotPath, ReadSeconds: readSeconds, EvaluateSeconds: evaluateSeconds)
            {
                Summary = result.Summary(),
            }.Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
