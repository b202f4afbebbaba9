using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine wbf</c>: fuse or suppress an ensemble's boxes over many images, with ensemble-boxes' answers
/// (<see cref="WeightedBoxesFusion"/>, <see cref="NonMaximumWeighted"/>, <see cref="Nms"/>, <see cref="SoftNms"/>).
/// </summary>
internal static class WbfCommand
{
    // Printed one by one up to this many; the rest are counted.
    private const int WarningsShown = 10;

    public static Command Create()
    {
        var input = CommandLine.FileOption("--input", "Predictions: a JSON array of images, or JSON Lines (one image a line); each image {\"models\":[{\"boxes\":[[x1,y1,x2,y2],…],\"scores\":[…],\"labels\":[…]}],\"weights\":[…]}.", required: true);
        var output = CommandLine.FileOption("--out", "Where to write the result: per image {\"boxes\",\"scores\",\"labels\"}, in the input's order and layout (array or JSON Lines).", required: true);
        var method = new Option<string>("--method") { Description = "wbf, nmw (non-maximum weighted), nms, soft-nms-linear or soft-nms-gaussian.", DefaultValueFactory = _ => "wbf" };
        var iou = new Option<double?>("--iou-thr") { Description = "IoU a match (or a suppression) must strictly exceed; ensemble-boxes' defaults: 0.55 for wbf and nmw, 0.5 for the NMS methods." };
        var skip = new Option<double>("--skip-box-thr") { Description = "wbf, nmw: ignore boxes scoring below this.", DefaultValueFactory = _ => 0.0 };
        var confType = new Option<string>("--conf-type") { Description = "wbf: avg, max, box_and_model_avg or absent_model_aware_avg.", DefaultValueFactory = _ => "avg" };
        var weights = new Option<string?>("--weights") { Description = "One weight per model, comma-separated (e.g. 2,1); an image's own \"weights\" field overrides it." };
        var overflow = new Option<bool>("--allows-overflow") { Description = "wbf with avg: let fused scores exceed 1 when a cluster has more boxes than models." };
        var sigma = new Option<double>("--sigma") { Description = "soft-nms-gaussian: the Gaussian's width.", DefaultValueFactory = _ => 0.5 };
        var thresh = new Option<double>("--thresh") { Description = "soft-nms: keep boxes whose decayed score stays above this.", DefaultValueFactory = _ => 0.001 };
        var imageSize = new Option<string?>("--image-size") { Description = "W,H: boxes are in pixels of a W×H image (read and written in pixels); by default they are normalized to [0, 1]." };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("wbf", "Weighted Boxes Fusion, NMS, soft-NMS or non-maximum weighted over many images, with ensemble-boxes' answers.")
        {
            input, output, method, iou, skip, confType, weights, overflow, sigma, thresh, imageSize, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            var fusion = DetectFuseCommand.ParseMethod(parse.GetValue(method)!);
            var conf = WbfConfTypeNames.Parse(parse.GetValue(confType)!);
            double iouThreshold = CommandLine.Fraction(parse.GetValue(iou) ?? DetectFuseCommand.DefaultIou(fusion), "--iou-thr", "an IoU is in [0, 1]");
            CommandLine.Fraction(parse.GetValue(skip), "--skip-box-thr", "scores below it are skipped");
            CommandLine.Fraction(parse.GetValue(thresh), "--thresh", "soft-NMS keeps scores above it");
            if (parse.GetValue(sigma) is var s && !(s > 0 && double.IsFinite(s)))
                throw new ArgumentException($"--sigma {s.ToString(CultureInfo.InvariantCulture)} must be a positive number.");
            var defaultWeights = parse.GetValue(weights) is { } w ? ParseList(w, "--weights") : null;
            var (width, height) = parse.GetValue(imageSize) is { } size ? ParseSize(size) : (1.0, 1.0);

            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);

            var clock = Stopwatch.StartNew();
            string inputPath = parse.GetValue(input)!.FullName;
            List<ImagePredictions> images;
            bool isArray;
            using (var bytes = InputBytes.Open(inputPath))
                images = DetectionJson.Read(bytes.Span, inputPath, out isArray);
            for (int i = 0; i < images.Count; i++)
            {
                foreach (var model in images[i].Models)
                    Normalize(model.Boxes, width, height);
                if (images[i].Weights is null && defaultWeights is not null)
                {
                    if (defaultWeights.Length != images[i].Models.Count)
                        throw new ArgumentException($"--weights has {defaultWeights.Length} weights but image {i} has {images[i].Models.Count} models.");
                    images[i] = images[i] with { Weights = defaultWeights };
                }
            }
            DetectionBatch batch;
            try
            {
                batch = new DetectionBatch(images);
            }
            catch (ArgumentException e)
            {
                // The batch's checks name the image, model and box but not the file.
                throw new InvalidDataException($"{inputPath}: {CommandLine.UserMessage(e)}", e);
            }
            double readSeconds = clock.Elapsed.TotalSeconds;

            var warnings = new System.Collections.Concurrent.ConcurrentQueue<DetectionWarning>();
            clock.Restart();
            DetectionResult result;
            using (var bar = ProgressBar.Start(parse, "Fusing", batch.ImageCount))
            {
                result = fusion switch
                {
                    FusionMethod.Wbf => WeightedBoxesFusion.Fuse(batch, new WeightedBoxesFusionOptions { IouThreshold = iouThreshold, SkipBoxThreshold = parse.GetValue(skip), ConfType = conf, AllowsOverflow = parse.GetValue(overflow) },
                        warnings.Enqueue, bar, compute, cancel),
                    FusionMethod.Nmw => NonMaximumWeighted.Fuse(batch, iouThreshold, parse.GetValue(skip), warnings.Enqueue, bar),
                    FusionMethod.Nms => Nms.Suppress(batch, iouThreshold, warnings.Enqueue, bar),
                    _ => SoftNms.Suppress(batch, fusion == FusionMethod.SoftNmsLinear ? SoftNmsMethod.Linear : SoftNmsMethod.Gaussian,
                        iouThreshold, parse.GetValue(sigma), parse.GetValue(thresh), warnings.Enqueue, bar),
                };
            }
            double fuseSeconds = clock.Elapsed.TotalSeconds;

            string outPath = parse.GetValue(output)!.FullName;
            RequireFinite(result, inputPath, width, height);
            // Written under a temporary name and renamed when whole: a score the JSON writer refuses halfway leaves no partial file.
            using (var file = Engine.IO.AtomicFile.Create(outPath, 1 << 16))
            {
                DetectionJson.Write(file.Stream, result, isArray, width, height);
                file.Commit();
            }

            var error = parse.InvocationConfiguration.Error;
            foreach (var warning in warnings.OrderBy(x => (x.Image, x.Model, x.Box)).Take(WarningsShown))
                error.WriteLine($"engine: warning: {warning}");
            if (warnings.Count > WarningsShown)
                error.WriteLine($"engine: warning: … and {CommandLine.Count(warnings.Count - WarningsShown)} more boxes fixed or dropped as ensemble-boxes does.");

            new WbfResult(Method: DetectFuseCommand.MethodName(fusion), Images: batch.ImageCount, BoxesIn: batch.BoxCount, BoxesOut: result.Scores.Length,
                Warnings: warnings.Count, IouThreshold: iouThreshold, Output: outPath, ReadSeconds: readSeconds, FuseSeconds: fuseSeconds)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// JSON has no infinity or NaN: a fused score or box that overflowed (scores near 1e308 times the weights), or
    /// the 0/0 box of a cluster whose boxes all score 0, is named here, with its image, rather than by the JSON
    /// writer halfway through the file.
    /// </summary>
    private static void RequireFinite(DetectionResult result, string inputPath, double width, double height)
    {
        for (int image = 0; image < result.ImageCount; image++)
        {
            var scores = result.ImageScores(image);
            var boxes = result.ImageBoxes(image);
            for (int b = 0; b < scores.Length; b++)
            {
                bool finite = double.IsFinite(scores[b]);
                for (int c = 0; c < 4 && finite; c++)
                    finite = double.IsFinite(boxes[4 * b + c] * (c % 2 == 0 ? width : height));
                if (!finite && scores[b] == 0)
                    throw new InvalidDataException($"{inputPath}: image {image}'s fused box {b} is made of boxes that all score 0, so its score-weighted box is 0/0 (ensemble-boxes gives NaN there); a --skip-box-thr above 0 (e.g. 1e-9) leaves such boxes out.");
                if (!finite)
                    throw new InvalidDataException($"{inputPath}: image {image}'s fused box {b} has score {scores[b].ToString(CultureInfo.InvariantCulture)} and box [{string.Join(", ", boxes.Slice(4 * b, 4).ToArray().Select(v => v.ToString(CultureInfo.InvariantCulture)))}], which JSON cannot hold: the input's scores, boxes or weights are too large.");
            }
        }
    }

    private static void Normalize(double[] boxes, double width, double height)
    {
        if (width == 1 && height == 1)
            return;
        for (int b = 0; b < boxes.Length; b += 4)
        {
            boxes[b] /= width;
            boxes[b + 1] /= height;
            boxes[b + 2] /= width;
            boxes[b + 3] /= height;
        }
    }

    private static double[] ParseList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
                throw new ArgumentException($"{option} {text}: '{parts[i]}' is not a number.");
        }
        return values;
    }

    private static (double Width, double Height) ParseSize(string text)
    {
        var values = ParseList(text, "--image-size");
        if (values.Length != 2 || !(values[0] > 0) || !(values[1] > 0) || !double.IsFinite(values[0]) || !double.IsFinite(values[1]))
            throw new ArgumentException($"--image-size {text} must be two positive numbers W,H (e.g. 1920,1080).");
        return (values[0], values[1]);
    }
}
