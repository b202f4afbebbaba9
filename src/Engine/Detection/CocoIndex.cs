namespace Engine.Detection;

/// <summary>
/// Ground truths and detections grouped by (category, image), as pycocotools' <c>_gts</c>/<c>_dts</c> dictionaries:
/// images and categories sorted by id, each group in the file's order (a counting sort, so no list per group).
/// Group <c>b = k·I + i</c> holds annotations <c>GtOrder[GtStart[b]..GtStart[b+1]]</c> and detections
/// <c>DtOrder[DtStart[b]..DtStart[b+1]]</c>.
/// </summary>
internal sealed class CocoIndex
{
    public readonly long[] ImageIds;
    public readonly long[] CategoryIds;
    public readonly string?[] CategoryNames;
    public readonly int[] GtStart, GtOrder, DtStart, DtOrder;

    /// <summary>Detections not evaluated because the ground truth does not list their category.</summary>
    public readonly int UnknownCategoryDetections;

    public CocoIndex(CocoDataset gt, CocoDetections dt)
    {
        ImageIds = gt.ImageIds.Distinct().Order().ToArray();
        var categories = gt.CategoryIds.Select((id, i) => (id, i)).DistinctBy(c => c.id).OrderBy(c => c.id).ToArray();
        CategoryIds = categories.Select(c => c.id).ToArray();
        // Like pycocotools' dict of categories, a repeated id keeps the last entry's name.
        var names = new Dictionary<long, string?>();
        for (int c = 0; c < gt.CategoryIds.Length; c++)
            names[gt.CategoryIds[c]] = gt.CategoryNames[c];
        CategoryNames = CategoryIds.Select(id => names[id]).ToArray();

        var image = new Dictionary<long, int>(ImageIds.Length);
        for (int i = 0; i < ImageIds.Length; i++)
            image[ImageIds[i]] = i;
        var category = new Dictionary<long, int>(CategoryIds.Length);
        for (int k = 0; k < CategoryIds.Length; k++)
            category[CategoryIds[k]] = k;
        int I = ImageIds.Length, groups = CategoryIds.Length * I;

        var gtGroup = new int[gt.AnnotationCount];
        for (int a = 0; a < gtGroup.Length; a++)
        {
            gtGroup[a] = image.TryGetValue(gt.AnnotationImageIds[a], out int i) && category.TryGetValue(gt.AnnotationCategoryIds[a], out int k)
                ? k * I + i : -1;
        }
        var dtGroup = new int[dt.Count];
        int unknown = 0;
        for (int d = 0; d < dtGroup.Length; d++)
        {
            if (!image.TryGetValue(dt.ImageIds[d], out int i))
                throw new ArgumentException($"{dt.Source}: detection {d} has image_id {dt.ImageIds[d]}, which is not an image of {gt.Source}.", nameof(dt));
            if (category.TryGetValue(dt.CategoryIds[d], out int k))
                dtGroup[d] = k * I + i;
            else
            {
                dtGroup[d] = -1;
                unknown++;
            }
        }
        UnknownCategoryDetections = unknown;
        (GtStart, GtOrder) = Group(gtGroup, groups);
        (DtStart, DtOrder) = Group(dtGroup, groups);
    }

    private static (int[] Start, int[] Order) Group(int[] group, int groups)
    {
        var start = new int[groups + 1];
        int kept = 0;
        foreach (int b in group)
        {
            if (b >= 0)
            {
                start[b + 1]++;
                kept++;
            }
        }
        for (int b = 0; b < groups; b++)
            start[b + 1] += start[b];
        var order = new int[kept];
        var next = start.AsSpan(0, groups).ToArray();
        for (int x = 0; x < group.Length; x++)
        {
            if (group[x] >= 0)
                order[next[group[x]]++] = x;
        }
        return (start, order);
    }
}
