namespace Engine.Detection;

/// <summary>
/// Many images' detections from an ensemble of models, held flat (one array of boxes for the whole batch) so
/// the fusion of thousands of images runs in parallel without an allocation per box.
/// </summary>
/// <remarks>
/// Layout: model <c>m</c> (counted over the whole batch) owns boxes [<c>BoxStarts[m]</c>, <c>BoxStarts[m + 1]</c>);
/// image <c>i</c> owns models [<c>ModelStarts[i]</c>, <c>ModelStarts[i + 1]</c>). Every value is checked once, here:
/// the operations trust it.
/// </remarks>
public sealed class DetectionBatch
{
    internal readonly double[] Boxes;
    internal readonly double[] Scores;
    internal readonly int[] Labels;
    internal readonly int[] BoxStarts;
    internal readonly int[] ModelStarts;
    internal readonly double[] Weights;
    internal readonly bool[] Weighted;

    /// <summary>Builds a batch from per-image predictions, checking every value.</summary>
    /// <param name="images">The images, each with its models' boxes and optional weights.</param>
    /// <exception cref="ArgumentNullException"><paramref name="images"/> or an entry is null.</exception>
    /// <exception cref="ArgumentException">
    /// A model's boxes, scores and labels disagree in length, a coordinate or score is NaN or infinite, an image's
    /// weights are not one per model, a weight is not finite and positive, or an image has more than 16,777,215 boxes;
    /// the message names the image and model.
    /// </exception>
    public DetectionBatch(IReadOnlyList<ImagePredictions> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int models = 0, boxes = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i] ?? throw new ArgumentNullException(nameof(images), $"Image {i} is null.");
            ArgumentNullException.ThrowIfNull(image.Models, $"images[{i}].Models");
            models += image.Models.Count;
            for (int m = 0; m < image.Models.Count; m++)
            {
                var model = image.Models[m] ?? throw new ArgumentNullException(nameof(images), $"Image {i}, model {m} is null.");
                CheckLengths(i, m, model.Boxes?.Length ?? -1, model.Scores?.Length ?? -1, model.Labels?.Length ?? -1);
                boxes += model.Scores!.Length;
            }
        }
        Boxes = new double[boxes * 4];
        Scores = new double[boxes];
        Labels = new int[boxes];
        BoxStarts = new int[models + 1];
        ModelStarts = new int[images.Count + 1];
        Weights = new double[models];
        Weighted = new bool[images.Count];
        int model0 = 0, box0 = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var image = images[i];
            ModelStarts[i] = model0;
            Weighted[i] = image.Weights is not null;
            if (image.Weights is { } w && w.Length != image.Models.Count)
                throw new ArgumentException($"Image {i} has {w.Length} weights for {image.Models.Count} models; give one weight per model.", nameof(images));
            for (int m = 0; m < image.Models.Count; m++)
            {
                var model = image.Models[m];
                BoxStarts[model0 + m] = box0;
                Weights[model0 + m] = image.Weights?[m] ?? 1.0;
                model.Boxes.CopyTo(Boxes, box0 * 4);
                model.Scores.CopyTo(Scores, box0);
                model.Labels.CopyTo(Labels, box0);
                box0 += model.Scores.Length;
            }
            model0 += image.Models.Count;
        }
        BoxStarts[models] = box0;
        ModelStarts[images.Count] = model0;
        CheckValues();
    }

    /// <summary>Builds a batch from flat arrays (see the remarks for the layout), checking every value; the arrays are used, not copied.</summary>
    /// <param name="boxes">x1, y1, x2, y2 of every box of the batch.</param>
    /// <param name="scores">One score per box.</param>
    /// <param name="labels">One label per box.</param>
    /// <param name="boxStarts">Per model of the batch, the index of its first box; one more entry holding the box count.</param>
    /// <param name="modelStarts">Per image, the index of its first model; one more entry holding the model count.</param>
    /// <param name="weights">One weight per model of the batch, or null for ensemble-boxes' <c>weights=None</c> on every image.</param>
    /// <exception cref="ArgumentNullException">An array other than <paramref name="weights"/> is null.</exception>
    /// <exception cref="ArgumentException">The arrays disagree in length, the starts are not non-decreasing, or a value is NaN, infinite or (a weight) not positive.</exception>
    public DetectionBatch(double[] boxes, double[] scores, int[] labels, int[] boxStarts, int[] modelStarts, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(boxStarts);
        ArgumentNullException.ThrowIfNull(modelStarts);
        if (boxes.Length != scores.Length * 4 || labels.Length != scores.Length)
            throw new ArgumentException($"boxes has {boxes.Length} values, scores {scores.Length} and labels {labels.Length}; expected 4 box values, 1 score and 1 label per box.", nameof(boxes));
        CheckStarts(boxStarts, scores.Length, nameof(boxStarts));
        CheckStarts(modelStarts, boxStarts.Length - 1, nameof(modelStarts));
        if (weights is not null && weights.Length != boxStarts.Length - 1)
            throw new ArgumentException($"weights has {weights.Length} entries for {boxStarts.Length - 1} models; give one weight per model.", nameof(weights));
        (Boxes, Scores, Labels, BoxStarts, ModelStarts) = (boxes, scores, labels, boxStarts, modelStarts);
        Weights = weights ?? Enumerable.Repeat(1.0, boxStarts.Length - 1).ToArray();
        Weighted = Enumerable.Repeat(weights is not null, modelStarts.Length - 1).ToArray();
        CheckValues();
    }

    /// <summary>Number of images.</summary>
    public int ImageCount => ModelStarts.Length - 1;

    /// <summary>Number of boxes over all images and models.</summary>
    public int BoxCount => Scores.Length;

    /// <summary>Number of models of image <paramref name="image"/>.</summary>
    public int ModelCount(int image) => ModelStarts[image + 1] - ModelStarts[image];

    /// <summary>Number of boxes of image <paramref name="image"/>, all models together.</summary>
    public int ImageBoxCount(int image) => BoxStarts[ModelStarts[image + 1]] - BoxStarts[ModelStarts[image]];

    private static void CheckLengths(int image, int model, int boxes, int scores, int labels)
    {
        if (boxes < 0 || scores < 0 || labels < 0)
            throw new ArgumentException($"Image {image}, model {model}: boxes, scores and labels must all be given.", "images");
        if (boxes % 4 != 0)
            throw new ArgumentException($"Image {image}, model {model}: boxes has {boxes} values, not 4 per box.", "images");
        if (boxes / 4 != scores || scores != labels)
            throw new ArgumentException($"Image {image}, model {model}: {boxes / 4} boxes, {scores} scores and {labels} labels; they must have the same length.", "images");
    }

    private static void CheckStarts(int[] starts, int total, string name)
    {
        if (starts.Length == 0 || starts[0] != 0 || starts[^1] != total)
            throw new ArgumentException($"{name} must start at 0 and end at {total}.", name);
        for (int i = 1; i < starts.Length; i++)
        {
            if (starts[i] < starts[i - 1])
                throw new ArgumentException($"{name} decreases at entry {i} ({starts[i - 1]} then {starts[i]}).", name);
        }
    }

    private static string Text(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static readonly string[] Corner = ["x1", "y1", "x2", "y2"];

    private void CheckValues()
    {
        for (int i = 0; i < ImageCount; i++)
        {
            if (ImageBoxCount(i) > SortKey.MaxEntries)
                throw new ArgumentException($"Image {i} has {ImageBoxCount(i)} boxes; at most {SortKey.MaxEntries} per image are supported.", "images");
            for (int m = ModelStarts[i]; m < ModelStarts[i + 1]; m++)
            {
                int local = m - ModelStarts[i];
                if (!double.IsFinite(Weights[m]) || Weights[m] <= 0)
                    throw new ArgumentException($"Image {i}, model {local}: weight {Text(Weights[m])} must be finite and positive.", "weights");
                for (int b = BoxStarts[m]; b < BoxStarts[m + 1]; b++)
                {
                    if (!double.IsFinite(Scores[b]))
                        throw new ArgumentException($"Image {i}, model {local}, box {b - BoxStarts[m]}: score is {Text(Scores[b])}; scores must be finite.", "scores");
                    for (int c = 0; c < 4; c++)
                    {
                        if (!double.IsFinite(Boxes[b * 4 + c]))
                            throw new ArgumentException($"Image {i}, model {local}, box {b - BoxStarts[m]}: {Corner[c]} is {Text(Boxes[b * 4 + c])}; coordinates must be finite.", "boxes");
                    }
                }
            }
        }
    }
}
