using System.Globalization;
using System.Text;

namespace Engine.Detection;

/// <summary>
/// What <see cref="CocoEvaluation.Evaluate"/> returns: pycocotools' <c>eval['precision']</c> and <c>eval['recall']</c>
/// arrays, the 12 numbers of <c>summarize()</c> and per-category AP.
/// </summary>
public sealed class CocoEvaluationResult
{
    /// <summary>The 12 summary numbers' descriptions, in <c>stats</c> order: (AP or AR, IoU, area, maxDets).</summary>
    public static readonly (bool Precision, double? Iou, string Area, int MaxDets)[] StatDefinitions =
    [
        (true, null, "all", 100), (true, 0.5, "all", 100), (true, 0.75, "all", 100),
        (true, null, "small", 100), (true, null, "medium", 100), (true, null, "large", 100),
        (false, null, "all", 1), (false, null, "all", 10), (false, null, "all", 100),
        (false, null, "small", 100), (false, null, "medium", 100), (false, null, "large", 100),
    ];

    /// <summary>Short names of the 12 numbers, for JSON.</summary>
    public static readonly string[] StatNames = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

    private const int T = 10, R = 101, A = 4, M = 3;

    internal CocoEvaluationResult(long[] categoryIds, string?[] categoryNames, int imageCount, double[] precision, double[] recall, int unknownCategoryDetections = 0)
    {
        UnknownCategoryDetections = unknownCategoryDetections;
        CategoryIds = categoryIds;
        CategoryNames = categoryNames;
        ImageCount = imageCount;
        Precision = precision;
        Recall = recall;
        Stats = new double[StatDefinitions.Length];
        for (int s = 0; s < Stats.Length; s++)
            Stats[s] = Summarize(StatDefinitions[s]);
        CategoryAp = new double[categoryIds.Length];
        var values = new List<double>(T * R);
        for (int k = 0; k < categoryIds.Length; k++)
        {
            values.Clear();
            for (int t = 0; t < T; t++)
            {
                for (int r = 0; r < R; r++)
                    values.Add(PrecisionAt(t, r, k, 0, M - 1));
            }
            CategoryAp[k] = MeanAboveMinusOne(values);
        }
    }

    /// <summary>The evaluated categories' ids, ascending (the K axis).</summary>
    public long[] CategoryIds { get; }

    /// <summary>The categories' names (null where the file gave none), parallel to <see cref="CategoryIds"/>.</summary>
    public string?[] CategoryNames { get; }

    /// <summary>The number of evaluated images.</summary>
    public int ImageCount { get; }

    /// <summary>Detections not evaluated because the ground truth does not list their category (pycocotools drops them too).</summary>
    public int UnknownCategoryDetections { get; }

    /// <summary><c>eval['precision']</c>: shape (10 IoU thresholds, 101 recall thresholds, K categories, 4 area ranges, 3 maxDets), C order; −1 where there is no ground truth.</summary>
    public double[] Precision { get; }

    /// <summary><c>eval['recall']</c>: shape (10, K, 4, 3), C order; −1 where there is no ground truth.</summary>
    public double[] Recall { get; }

    /// <summary><c>stats</c>: the 12 numbers of <c>summarize()</c> (see <see cref="StatNames"/>).</summary>
    public double[] Stats { get; }

    /// <summary>Per category: AP at IoU .50:.95, area all, maxDets 100 (the mean of its precision above −1), or −1 without ground truth.</summary>
    public double[] CategoryAp { get; }

    /// <summary>One value of <see cref="Precision"/>.</summary>
    public double PrecisionAt(int iou, int recall, int category, int area, int maxDets) =>
        Precision[(((iou * R + recall) * CategoryIds.Length + category) * A + area) * M + maxDets];

    /// <summary>One value of <see cref="Recall"/>.</summary>
    public double RecallAt(int iou, int category, int area, int maxDets) =>
        Recall[((iou * CategoryIds.Length + category) * A + area) * M + maxDets];

    /// <summary>The 12 lines pycocotools' <c>summarize()</c> prints, character for character.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        var ious = CocoEvaluation.IouThresholds;
        for (int s = 0; s < Stats.Length; s++)
        {
            var (ap, iou, area, maxDets) = StatDefinitions[s];
            string iouText = iou is { } v ? v.ToString("F2", CultureInfo.InvariantCulture)
                : $"{ious[0].ToString("F2", CultureInfo.InvariantCulture)}:{ious[^1].ToString("F2", CultureInfo.InvariantCulture)}";
            text.Append(CultureInfo.InvariantCulture, $" {(ap ? "Average Precision" : "Average Recall"),-18} {(ap ? "(AP)" : "(AR)")} @[ IoU={iouText,-9} | area={area,6} | maxDets={maxDets,3} ] = {Fixed3(Stats[s])}\n");
        }
        return text.ToString();
    }

    /// <summary>
    /// Python's <c>'{:0.3f}'</c>: the exact binary value rounded half to even (0.0625 prints 0.062), which .NET's
    /// "F3" does not do at exact midpoints.
    /// </summary>
    internal static string Fixed3(double value)
    {
        // "F40" is exact for every double in [−1, 1] that a midpoint can be (multiples of 1/16).
        string exact = Math.Abs(value).ToString("F40", CultureInfo.InvariantCulture);
        int dot = exact.IndexOf('.');
        string kept = exact[..(dot + 4)];
        string rest = exact[(dot + 4)..];
        bool up = rest[0] > '5' || (rest[0] == '5' && (rest.AsSpan(1).ContainsAnyExcept('0') || (kept[^1] - '0') % 2 == 1));
        decimal result = decimal.Parse(kept, CultureInfo.InvariantCulture) + (up ? 0.001m : 0m);
        return (value < 0 || (value == 0 && double.IsNegative(value)) ? "-" : "") + result.ToString("F3", CultureInfo.InvariantCulture);
    }

    private double Summarize((bool Precision, double? Iou, string Area, int MaxDets) stat)
    {
        int a = Array.IndexOf(CocoEvaluation.AreaNames, stat.Area);
        int m = Array.IndexOf(CocoEvaluation.MaxDetections, stat.MaxDets);
        int K = CategoryIds.Length;
        var values = new List<double>();
        // np.where(iouThr == p.iouThrs): an exact comparison, as in pycocotools.
        for (int t = 0; t < T; t++)
        {
            if (stat.Iou is { } iou && CocoEvaluation.IouThresholds[t] != iou)
                continue;
            if (stat.Precision)
            {
                for (int r = 0; r < R; r++)
                {
                    for (int k = 0; k < K; k++)
                        values.Add(PrecisionAt(t, r, k, a, m));
                }
            }
            else
            {
                for (int k = 0; k < K; k++)
                    values.Add(RecallAt(t, k, a, m));
            }
        }
        return MeanAboveMinusOne(values);
    }

    private static double MeanAboveMinusOne(List<double> values)
    {
        values.RemoveAll(v => !(v > -1));
        return values.Count == 0 ? -1 : NumpySum.Of(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values)) / values.Count;
    }
}
