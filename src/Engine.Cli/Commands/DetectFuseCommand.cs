using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Detection;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine detect fuse</c>: models' (and TTA views') COCO results fused with WBF, NMW, NMS or soft-NMS over every
/// image (<see cref="CocoFusion"/>), written as COCO results.
/// </summary>
internal static class DetectFuseCommand
{
    /// <summary>--method's names (of engine wbf, detect fuse and detect tune).</summary>
    private static readonly (string Name, FusionMethod Method)[] Methods =
    [
        ("wbf", FusionMethod.Wbf), ("nmw", FusionMethod.Nmw), ("nms", FusionMethod.Nms),
        ("soft-nms-linear", FusionMethod.SoftNmsLinear), ("soft-nms-gaussian", FusionMethod.SoftNmsGaussian),
    ];

    // Printed one by one up to this many; the rest are counted.
    private const int WarningsShown = 10;

    internal static Option<FileInfo[]> PredOption() => new("--pred")
    {
        Description = "A model's (or view's) detections in COCO results format, boxes in pixels of the image it was predicted on. Repeat per model and view.",
        Required = true,
    };

    internal static Option<string[]> ViewOption() => new("--view")
    {
        Description = "Per --pred, in the same order, the TTA view it was predicted on: identity, hflip, vflip, hvflip, rot90, rot180, rot270, scale=F, or a composition such as hflip+scale=0.8 (rot90 is np.rot90: counter-clockwise). Boxes are mapped back to the original image. Default identity.",
    };

    public static Command Create()
    {
        var images = CommandLine.FileOption("--images", "A COCO file with the images' id, width and height (the ground truth, or a test set's image info).", required: true);
        var preds = PredOption();
        var views = ViewOption();
        var output = CommandLine.FileOption("--out", "Where to write the fused detections (COCO results format, pixels of the original images).", required: true);
        var weights = new Option<string?>("--weights") { Description = "One positive weight per --pred, comma-separated (e.g. 2,2,1,1); none: ensemble-boxes' weights=None." };
        var method = new Option<string>("--method") { Description = "wbf, nmw, nms, soft-nms-linear or soft-nms-gaussian.", DefaultValueFactory = _ => "wbf" };
        var iou = new Option<double?>("--iou-thr") { Description = "IoU a match (or suppression) must strictly exceed; ensemble-boxes' defaults: 0.55 for wbf and nmw, 0.5 for the NMS methods." };
        var skip = new Option<double>("--skip-box-thr") { Description = "wbf, nmw: ignore boxes scoring below this.", DefaultValueFactory = _ => 0.0 };
        var confType = new Option<string>("--conf-type") { Description = "wbf: avg, max, box_and_model_avg or absent_model_aware_avg.", DefaultValueFactory = _ => "avg" };
        var sigma = new Option<double>("--sigma") { Description = "soft-nms-gaussian: the Gaussian's width.", DefaultValueFactory = _ => 0.5 };
        var thresh = new Option<double>("--thresh") { Description = "soft-nms: keep boxes whose decayed score stays above this.", DefaultValueFactory = _ => 0.001 };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("fuse", "Fuse several models' and TTA views' COCO detections (WBF, NMW, NMS, soft-NMS; ensemble-boxes' answers) over every image; COCO results in and out.")
        {
            images, preds, views, output, weights, method, iou, skip, confType, sigma, thresh, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var fusion = ParseMethod(parse.GetValue(method)!);
            var conf = WbfConfTypeNames.Parse(parse.GetValue(confType)!);
            var predFiles = parse.GetValue(preds)!;
            var w = parse.GetValue(weights) is { } text ? ParseWeights(text, predFiles.Length, "--weights") : null;
            var settings = new FusionSettings(fusion, parse.GetValue(iou) ?? DefaultIou(fusion), parse.GetValue(skip), conf, w,
                parse.GetValue(sigma), parse.GetValue(thresh));

            var clock = Stopwatch.StartNew();
            string imagesPath = parse.GetValue(images)!.FullName;
            var input = ReadInput(CocoJson.ReadImages(File.ReadAllBytes(imagesPath), imagesPath), predFiles, parse.GetValue(views));
            double readSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var warnings = new System.Collections.Concurrent.ConcurrentQueue<DetectionWarning>();
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var fused = CocoFusion.Fuse(input, settings, warnings.Enqueue, compute);
            double fuseSeconds = clock.Elapsed.TotalSeconds;

            string outPath = parse.GetValue(output)!.FullName;
            Engine.IO.AtomicFile.Write(outPath, stream => CocoJson.WriteResults(stream, fused));
            ReportWarnings(parse, warnings, input);

            new DetectFuseResult(Method: MethodName(fusion), Images: input.ImageIds.Length, PredictionSets: input.ModelCount, DetectionsIn: input.DetectionCount,
                DetectionsOut: fused.Count, Warnings: warnings.Count, IouThreshold: settings.IouThreshold, Output: outPath, ReadSeconds: readSeconds, FuseSeconds: fuseSeconds)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    internal static FusionMethod ParseMethod(string text) => Choice.Parse("--method", text, Methods);

    internal static string MethodName(FusionMethod method) => Array.Find(Methods, m => m.Method == method).Name;

    internal static double DefaultIou(FusionMethod method) => method is FusionMethod.Wbf or FusionMethod.Nmw ? 0.55 : 0.5;

    /// <summary>Reads the prediction sets and their views into one fusion input.</summary>
    internal static CocoFusionInput ReadInput(CocoDataset images, FileInfo[] predFiles, string[]? viewNames)
    {
        if (viewNames is { Length: > 0 } && viewNames.Length != predFiles.Length)
            throw new ArgumentException($"{viewNames.Length} --view values for {predFiles.Length} --pred files; give one view per --pred, in the same order.");
        var views = (viewNames ?? []).Select(BoxTransform.Parse).ToArray();
        var sets = predFiles.Select(f => CocoJson.ReadResults(File.ReadAllBytes(f.FullName), f.FullName)).ToArray();
        return CocoFusionInput.Create(images, sets, views);
    }

    internal static double[] ParseWeights(string text, int count, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != count)
            throw new ArgumentException($"{option} {text}: {parts.Length} weights for {count} --pred files; give one per --pred.");
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || !double.IsFinite(values[i]))
                throw new ArgumentException($"{option} {text}: '{parts[i]}' is not a positive number.");
        }
        return values;
    }

    internal static void ReportWarnings(ParseResult parse, System.Collections.Concurrent.ConcurrentQueue<DetectionWarning> warnings, CocoFusionInput input)
    {
        var error = parse.InvocationConfiguration.Error;
        foreach (var warning in warnings.OrderBy(x => (x.Image, x.Model, x.Box)).Take(WarningsShown))
            error.WriteLine($"engine: warning: image {input.ImageIds[warning.Image]}, prediction set {warning.Model}, detection {warning.Box} of the image: {warning.Message}");
        if (warnings.Count > WarningsShown)
            error.WriteLine($"engine: warning: … and {CommandLine.Count(warnings.Count - WarningsShown)} more boxes fixed or dropped as ensemble-boxes does.");
    }
}
