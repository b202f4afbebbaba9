namespace Engine.Detection;

/// <summary>
/// COCO ground truth for box evaluation, held flat: the images' and categories' ids and, per annotation, its id,
/// image, category, box <c>[x, y, w, h]</c> (pixels), <c>area</c> field and <c>iscrowd</c> flag.
/// </summary>
/// <remarks>
/// Read one from a COCO instances file with <see cref="CocoJson.ReadGroundTruth"/>. As in pycocotools, an
/// annotation whose image or category is not listed is not evaluated, the <c>area</c> field (not w·h) decides the
/// area range, and <c>iscrowd</c> makes an annotation ignored (its <c>ignore</c> field is overwritten by pycocotools,
/// so it is not read).
/// </remarks>
public sealed class CocoDataset
{
    /// <summary>Builds a ground truth from flat arrays, checking them.</summary>
    /// <param name="imageIds">The images' ids (duplicates count once).</param>
    /// <param name="categoryIds">The categories' ids (duplicates count once).</param>
    /// <param name="annotationIds">Per annotation, its id; ids must be unique.</param>
    /// <param name="annotationImageIds">Per annotation, its image's id.</param>
    /// <param name="annotationCategoryIds">Per annotation, its category's id.</param>
    /// <param name="boxes">Per annotation, <c>x, y, w, h</c>.</param>
    /// <param name="areas">Per annotation, its <c>area</c> field.</param>
    /// <param name="isCrowd">Per annotation, its <c>iscrowd</c> flag.</param>
    /// <param name="categoryNames">Optional: the categories' names, parallel to <paramref name="categoryIds"/>.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="ArgumentException">The arrays disagree in length, a value is not finite, or two annotations share an id; the message names the annotation.</exception>
    public CocoDataset(long[] imageIds, long[] categoryIds, long[] annotationIds, long[] annotationImageIds, long[] annotationCategoryIds,
        double[] boxes, double[] areas, bool[] isCrowd, string?[]? categoryNames = null, string source = "ground truth")
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        ArgumentNullException.ThrowIfNull(categoryIds);
        ArgumentNullException.ThrowIfNull(annotationIds);
        ArgumentNullException.ThrowIfNull(annotationImageIds);
        ArgumentNullException.ThrowIfNull(annotationCategoryIds);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(areas);
        ArgumentNullException.ThrowIfNull(isCrowd);
        int n = annotationIds.Length;
        if (annotationImageIds.Length != n || annotationCategoryIds.Length != n || areas.Length != n || isCrowd.Length != n || boxes.Length != 4 * n)
            throw new ArgumentException($"{source}: {n} annotation ids but {annotationImageIds.Length} image ids, {annotationCategoryIds.Length} category ids, "
                + $"{boxes.Length} box values (expected {4 * n}), {areas.Length} areas and {isCrowd.Length} iscrowd flags.", nameof(annotationIds));
        if (categoryNames is not null && categoryNames.Length != categoryIds.Length)
            throw new ArgumentException($"{source}: {categoryIds.Length} categories but {categoryNames.Length} names.", nameof(categoryNames));
        CocoFiniteValues.Require(source, boxes, areas, "area", nameof(areas), a => $"annotation {a} (id {annotationIds[a]})");
        var seen = new HashSet<long>(n);
        for (int a = 0; a < n; a++)
        {
            if (!seen.Add(annotationIds[a]))
                throw new ArgumentException($"{source}: annotation {a} repeats the id {annotationIds[a]}; annotation ids must be unique.", nameof(annotationIds));
        }
        ImageIds = imageIds;
        CategoryIds = categoryIds;
        CategoryNames = categoryNames ?? new string?[categoryIds.Length];
        AnnotationIds = annotationIds;
        AnnotationImageIds = annotationImageIds;
        AnnotationCategoryIds = annotationCategoryIds;
        Boxes = boxes;
        Areas = areas;
        IsCrowd = isCrowd;
        Source = source;
    }

    /// <summary>The images' ids, in the file's order.</summary>
    public long[] ImageIds { get; }

    /// <summary>The images' <c>width</c> fields in pixels, parallel to <see cref="ImageIds"/> (NaN where absent); null when not given.</summary>
    public double[]? ImageWidths { get; init; }

    /// <summary>The images' <c>height</c> fields in pixels, parallel to <see cref="ImageIds"/> (NaN where absent); null when not given.</summary>
    public double[]? ImageHeights { get; init; }

    /// <summary>The categories' ids, in the file's order.</summary>
    public long[] CategoryIds { get; }

    /// <summary>The categories' names (null where none was given), parallel to <see cref="CategoryIds"/>.</summary>
    public string?[] CategoryNames { get; }

    /// <summary>Per annotation: its id.</summary>
    public long[] AnnotationIds { get; }

    /// <summary>Per annotation: its image's id.</summary>
    public long[] AnnotationImageIds { get; }

    /// <summary>Per annotation: its category's id.</summary>
    public long[] AnnotationCategoryIds { get; }

    /// <summary>Per annotation: <c>x, y, w, h</c>, four values each.</summary>
    public double[] Boxes { get; }

    /// <summary>Per annotation: the <c>area</c> field.</summary>
    public double[] Areas { get; }

    /// <summary>Per annotation: <c>iscrowd</c>.</summary>
    public bool[] IsCrowd { get; }

    /// <summary>The number of annotations.</summary>
    public int AnnotationCount => AnnotationIds.Length;

    /// <summary>Where it came from (a file name), for messages.</summary>
    public string Source { get; }
}
