namespace Engine.Detection;

/// <summary>
/// Detections in COCO results format (<c>image_id, category_id, bbox [x, y, w, h], score</c>), held flat.
/// </summary>
public sealed class CocoDetections
{
    /// <summary>Builds detections from flat arrays, checking them.</summary>
    /// <param name="imageIds">Per detection, its image's id.</param>
    /// <param name="categoryIds">Per detection, its category's id.</param>
    /// <param name="boxes">Per detection, <c>x, y, w, h</c>.</param>
    /// <param name="scores">Per detection, its score.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="ArgumentException">The arrays disagree in length or a value is not finite; the message names the detection.</exception>
    public CocoDetections(long[] imageIds, long[] categoryIds, double[] boxes, double[] scores, string source = "detections")
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        ArgumentNullException.ThrowIfNull(categoryIds);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(scores);
        int n = imageIds.Length;
        if (categoryIds.Length != n || scores.Length != n || boxes.Length != 4 * n)
            throw new ArgumentException($"{source}: {n} image ids but {categoryIds.Length} category ids, {boxes.Length} box values (expected {4 * n}) and {scores.Length} scores.", nameof(imageIds));
        CocoFiniteValues.Require(source, boxes, scores, "score", nameof(scores), d => $"detection {d} (image {imageIds[d]})");
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        Boxes = boxes;
        Scores = scores;
        Source = source;
    }

    /// <summary>Per detection: its image's id.</summary>
    public long[] ImageIds { get; }

    /// <summary>Per detection: its category's id.</summary>
    public long[] CategoryIds { get; }

    /// <summary>Per detection: <c>x, y, w, h</c>, four values each.</summary>
    public double[] Boxes { get; }

    /// <summary>Per detection: its score.</summary>
    public double[] Scores { get; }

    /// <summary>The number of detections.</summary>
    public int Count => ImageIds.Length;

    /// <summary>Where it came from (a file name), for messages.</summary>
    public string Source { get; }
}
