namespace Engine.Detection;

/// <summary>The box-ensembling operations <see cref="CocoFusion"/> can run.</summary>
public enum FusionMethod
{
    /// <summary><see cref="WeightedBoxesFusion"/>.</summary>
    Wbf,

    /// <summary><see cref="NonMaximumWeighted"/>.</summary>
    Nmw,

    /// <summary><see cref="Nms"/>.</summary>
    Nms,

    /// <summary><see cref="SoftNms"/>, linear decay.</summary>
    SoftNmsLinear,

    /// <summary><see cref="SoftNms"/>, Gaussian decay.</summary>
    SoftNmsGaussian,
}

/// <summary>One fusion's settings (ensemble-boxes' parameters).</summary>
/// <param name="Method">The operation.</param>
/// <param name="IouThreshold">IoU a match or suppression must exceed.</param>
/// <param name="SkipBoxThreshold">WBF, NMW: boxes scoring below this are dropped.</param>
/// <param name="ConfType">WBF: how fused scores are computed.</param>
/// <param name="Weights">One positive weight per prediction set, or null for ensemble-boxes' <c>weights=None</c>.</param>
/// <param name="Sigma">Gaussian soft-NMS: the Gaussian's width.</param>
/// <param name="Thresh">Soft-NMS: boxes whose decayed score falls to this or below are dropped.</param>
/// <param name="AllowsOverflow">WBF with avg: fused scores may exceed 1.</param>
public sealed record FusionSettings(FusionMethod Method = FusionMethod.Wbf, double IouThreshold = 0.55, double SkipBoxThreshold = 0.0,
    WbfConfType ConfType = WbfConfType.Avg, double[]? Weights = null, double Sigma = 0.5, double Thresh = 0.001, bool AllowsOverflow = false);

/// <summary>
/// Several models' (and test-time views') COCO detections of the same images, put once into ensemble-boxes' frame:
/// corners normalized by each image's width and height (from a COCO images or ground-truth file), views mapped
/// back to the original image by <see cref="BoxTransform.InverseBoxesFromPixels"/>, category ids as labels. Fusing
/// with other settings reuses all of it; only the weights are set per call.
/// </summary>
public sealed class CocoFusionInput
{
    private readonly double[] _boxes, _scores;
    private readonly int[] _labels, _boxStarts, _modelStarts;

    private CocoFusionInput(long[] imageIds, double[] widths, double[] heights, int models, double[] boxes, double[] scores, int[] labels, int[] boxStarts, int[] modelStarts)
    {
        ImageIds = imageIds;
        Widths = widths;
        Heights = heights;
        ModelCount = models;
        (_boxes, _scores, _labels, _boxStarts, _modelStarts) = (boxes, scores, labels, boxStarts, modelStarts);
    }

    /// <summary>The images, sorted by id.</summary>
    public long[] ImageIds { get; }

    /// <summary>Per image, its width in pixels.</summary>
    public double[] Widths { get; }

    /// <summary>Per image, its height in pixels.</summary>
    public double[] Heights { get; }

    /// <summary>The number of prediction sets (models × views).</summary>
    public int ModelCount { get; }

    /// <summary>The number of detections read.</summary>
    public int DetectionCount => _scores.Length;

    /// <summary>Puts prediction sets into ensemble-boxes' frame.</summary>
    /// <param name="images">The images, with <c>width</c> and <c>height</c> for every image that has a detection.</param>
    /// <param name="predictions">One COCO results set per model or view, boxes in pixels of the image (or of the view).</param>
    /// <param name="views">Per prediction set, the view it was predicted on; null or shorter for the original image.</param>
    /// <exception cref="ArgumentException">A detection's image is not in <paramref name="images"/>, such an image has no positive width and height, or a category id does not fit an int; the message names the files, the detection and the image.</exception>
    public static CocoFusionInput Create(CocoDataset images, IReadOnlyList<CocoDetections> predictions, IReadOnlyList<BoxTransform>? views = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Count == 0)
            throw new ArgumentException("Fusion needs at least one prediction set.", nameof(predictions));
        var order = Enumerable.Range(0, images.ImageIds.Length).DistinctBy(i => images.ImageIds[i]).OrderBy(i => images.ImageIds[i]).ToArray();
        var ids = order.Select(i => images.ImageIds[i]).ToArray();
        var widths = order.Select(i => images.ImageWidths?[i] ?? double.NaN).ToArray();
        var heights = order.Select(i => images.ImageHeights?[i] ?? double.NaN).ToArray();
        var index = new Dictionary<long, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
            index[ids[i]] = i;

        int M = predictions.Count, I = ids.Length;
        // Group every set's detections by image (counting sort: group = image·M + model), keeping each set's order.
        var groupOf = new int[predictions.Sum(p => p.Count)];
        var counts = new int[I * M + 1];
        int at = 0;
        for (int m = 0; m < M; m++)
        {
            var p = predictions[m];
            for (int d = 0; d < p.Count; d++)
            {
                if (!index.TryGetValue(p.ImageIds[d], out int i))
                    throw new ArgumentException($"{p.Source}: detection {d} has image_id {p.ImageIds[d]}, which is not an image of {images.Source}.", nameof(predictions));
                if (!(widths[i] > 0) || !(heights[i] > 0) || !double.IsFinite(widths[i]) || !double.IsFinite(heights[i]))
                    throw new ArgumentException($"{images.Source}: image {ids[i]} has no positive \"width\" and \"height\", needed to normalize {p.Source}'s boxes.", nameof(images));
                if (p.CategoryIds[d] is < int.MinValue or > int.MaxValue)
                    throw new ArgumentException($"{p.Source}: detection {d} (image {p.ImageIds[d]}) has category_id {p.CategoryIds[d]}, beyond a 32-bit label.", nameof(predictions));
                groupOf[at++] = i * M + m;
                counts[i * M + m + 1]++;
            }
        }
        for (int g = 0; g < I * M; g++)
            counts[g + 1] += counts[g];
        int n = groupOf.Length;
        var boxes = new double[4 * n];
        var scores = new double[n];
        var labels = new int[n];
        var next = counts.AsSpan(0, I * M).ToArray();
        at = 0;
        for (int m = 0; m < M; m++)
        {
            var p = predictions[m];
            var view = views is not null && m < views.Count ? views[m] : BoxTransform.Identity;
            for (int d = 0; d < p.Count; d++)
            {
                int g = groupOf[at++], i = g / M, slot = next[g]++;
                var (vw, vh) = view == BoxTransform.Identity ? (widths[i], heights[i]) : ViewSize(view, widths[i], heights[i]);
                double x = p.Boxes[4 * d], y = p.Boxes[4 * d + 1], w = p.Boxes[4 * d + 2], h = p.Boxes[4 * d + 3];
                var box = boxes.AsSpan(4 * slot, 4);
                box[0] = x;
                box[1] = y;
                box[2] = x + w;
                box[3] = y + h;
                view.InverseBoxesFromPixels(box, vw, vh);
                scores[slot] = p.Scores[d];
                labels[slot] = (int)p.CategoryIds[d];
            }
        }
        var modelStarts = new int[I + 1];
        for (int i = 0; i <= I; i++)
            modelStarts[i] = i * M;
        return new CocoFusionInput(ids, widths, heights, M, boxes, scores, labels, counts, modelStarts);
    }

    private static (double Width, double Height) ViewSize(BoxTransform view, double width, double height)
    {
        var (w, h) = view.QuarterTurns % 2 == 1 ? (height, width) : (width, height);
        return (Math.Round(w * view.Scale), Math.Round(h * view.Scale));
    }

    /// <summary>The batch with one weight per prediction set on every image (null: ensemble-boxes' <c>weights=None</c>).</summary>
    /// <exception cref="ArgumentException">Not one weight per prediction set, or a weight that is not finite and positive.</exception>
    public DetectionBatch Batch(double[]? weights)
    {
        if (weights is not null && weights.Length != ModelCount)
            throw new ArgumentException($"{weights.Length} weights for {ModelCount} prediction sets; give one per set.", nameof(weights));
        double[]? perModel = null;
        if (weights is not null)
        {
            perModel = new double[ImageIds.Length * ModelCount];
            for (int i = 0; i < perModel.Length; i++)
                perModel[i] = weights[i % ModelCount];
        }
        return new DetectionBatch(_boxes, _scores, _labels, _boxStarts, _modelStarts, perModel);
    }

    /// <summary>Turns a fusion's output back into COCO results (pixels of each original image, <c>[x, y, w, h]</c>).</summary>
    public CocoDetections ToCoco(DetectionResult result, string source = "fused")
    {
        ArgumentNullException.ThrowIfNull(result);
        int n = result.Scores.Length;
        var imageIds = new long[n];
        var categories = new long[n];
        var boxes = new double[4 * n];
        for (int i = 0; i < result.ImageCount; i++)
        {
            double w = Widths[i], h = Heights[i];
            for (int b = result.ImageStarts[i]; b < result.ImageStarts[i + 1]; b++)
            {
                imageIds[b] = ImageIds[i];
                categories[b] = result.Labels[b];
                double x1 = result.Boxes[4 * b] * w, y1 = result.Boxes[4 * b + 1] * h;
                boxes[4 * b] = x1;
                boxes[4 * b + 1] = y1;
                boxes[4 * b + 2] = result.Boxes[4 * b + 2] * w - x1;
                boxes[4 * b + 3] = result.Boxes[4 * b + 3] * h - y1;
            }
        }
        return new CocoDetections(imageIds, categories, boxes, (double[])result.Scores.Clone(), source);
    }
}

/// <summary>Fuses several models' COCO detections (<see cref="CocoFusionInput"/>) over every image on every core.</summary>
public static class CocoFusion
{
    /// <summary>Runs one fusion and returns COCO results.</summary>
    /// <param name="input">The prediction sets, already normalized.</param>
    /// <param name="settings">The method and its parameters.</param>
    /// <param name="warn">Called for each box ensemble-boxes would fix or drop with a warning (clipped to [0, 1], swapped corners, zero area).</param>
    /// <param name="compute">Where WBF clusters (<see cref="WeightedBoxesFusion.Fuse(DetectionBatch, double, double, WbfConfType, bool, Action{DetectionWarning}?, IProgress{long}?, Compute.ComputeContext?)"/>); null runs the CPU path. The other methods run on the CPU.</param>
    /// <exception cref="ArgumentException">Bad weights or parameters.</exception>
    public static CocoDetections Fuse(CocoFusionInput input, FusionSettings settings, Action<DetectionWarning>? warn = null, Compute.ComputeContext? compute = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(settings);
        var batch = input.Batch(settings.Weights);
        var result = settings.Method switch
        {
            FusionMethod.Wbf => WeightedBoxesFusion.Fuse(batch, settings.IouThreshold, settings.SkipBoxThreshold, settings.ConfType, settings.AllowsOverflow, warn, compute: compute),
            FusionMethod.Nmw => NonMaximumWeighted.Fuse(batch, settings.IouThreshold, settings.SkipBoxThreshold, warn),
            FusionMethod.Nms => Nms.Suppress(batch, settings.IouThreshold, warn),
            FusionMethod.SoftNmsLinear => SoftNms.Suppress(batch, SoftNmsMethod.Linear, settings.IouThreshold, settings.Sigma, settings.Thresh, warn),
            _ => SoftNms.Suppress(batch, SoftNmsMethod.Gaussian, settings.IouThreshold, settings.Sigma, settings.Thresh, warn),
        };
        return input.ToCoco(result);
    }
}
