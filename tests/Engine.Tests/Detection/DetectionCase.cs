using System.Text.Json;
using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>
/// The cases of tests/data/detection/cases.json: images run through the real ensemble-boxes by make_golden.py,
/// with the peer's output and warning count.
/// </summary>
internal sealed record DetectionCase(string Name, string Method, JsonElement Params, ImagePredictions Image,
    double[] Boxes, double[] Scores, int[] Labels, int? Warnings)
{
    private static readonly Lazy<Dictionary<string, DetectionCase>> All = new(Load);

    public static IEnumerable<DetectionCase> Cases => All.Value.Values;

    public static DetectionCase Named(string name) => All.Value[name];

    public static TheoryData<string> Names(Func<DetectionCase, bool> which)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Where(which))
            data.Add(c.Name);
        return data;
    }

    public double Param(string name) => Params.GetProperty(name).GetDouble();

    /// <summary>Runs this case's method with its parameters on <paramref name="batch"/>.</summary>
    public DetectionResult Run(DetectionBatch batch, Action<DetectionWarning>? warn = null) => Method switch
    {
        "wbf" => WeightedBoxesFusion.Fuse(batch, new WeightedBoxesFusionOptions
        {
            IouThreshold = Param("iou_thr"),
            SkipBoxThreshold = Param("skip_box_thr"),
            ConfType = WbfConfTypeNames.Parse(Params.GetProperty("conf_type").GetString()!),
            AllowsOverflow = Params.GetProperty("allows_overflow").GetBoolean(),
        }, warn),
        "nmw" => NonMaximumWeighted.Fuse(batch, Param("iou_thr"), Param("skip_box_thr"), warn),
        "nms" => Nms.Suppress(batch, Param("iou_thr"), warn),
        "soft-nms-linear" => SoftNms.Suppress(batch, SoftNmsMethod.Linear, Param("iou_thr"), Param("sigma"), Param("thresh"), warn),
        "soft-nms-gaussian" => SoftNms.Suppress(batch, SoftNmsMethod.Gaussian, Param("iou_thr"), Param("sigma"), Param("thresh"), warn),
        _ => throw new InvalidOperationException(Method),
    };

    private static Dictionary<string, DetectionCase> Load()
    {
        var root = TestData.Json("detection", "cases.json");
        var cases = new Dictionary<string, DetectionCase>();
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var expected = c.GetProperty("expected");
            var boxes = expected.GetProperty("boxes").EnumerateArray().SelectMany(b => b.EnumerateArray().Select(v => v.GetDouble())).ToArray();
            string name = c.GetProperty("name").GetString()!;
            cases[name] = new DetectionCase(name, c.GetProperty("method").GetString()!, c.GetProperty("params"),
                DetectionJson.ParseImage(c.GetProperty("image"), 0, name), boxes,
                expected.GetProperty("scores").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                expected.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
                expected.TryGetProperty("warnings", out var w) ? w.GetInt32() : null);
        }
        return cases;
    }

    /// <summary>Coordinates and scores to 1e-6, labels and order exactly; entries whose expected scores tie exactly compare as sets.</summary>
    public void AssertMatches(ReadOnlySpan<double> boxes, ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, string what, double tolerance = 1e-6)
    {
        Assert.True(Scores.Length == scores.Length, $"{Name} ({what}): {scores.Length} boxes, ensemble-boxes gives {Scores.Length}.");
        for (int start = 0; start < Scores.Length;)
        {
            int end = start + 1;
            while (end < Scores.Length && Scores[end] == Scores[start])
                end++;
            var used = new bool[end - start];
            for (int e = start; e < end; e++)
            {
                int match = -1;
                for (int a = start; a < end && match < 0; a++)
                {
                    if (!used[a - start] && Same(e, a, boxes, scores, labels, tolerance))
                        match = a;
                }
                Assert.True(match >= 0, $"{Name} ({what}): box {e} of ensemble-boxes (label {Labels[e]}, score {Scores[e]:R}, " +
                    $"[{string.Join(", ", Boxes.Skip(4 * e).Take(4).Select(v => v.ToString("R")))}]) is not at that place: got label {labels[e]}, score {scores[e]:R}, " +
                    $"[{string.Join(", ", boxes.Slice(4 * e, 4).ToArray().Select(v => v.ToString("R")))}].");
                used[match - start] = true;
            }
            start = end;
        }
    }

    private bool Same(int e, int a, ReadOnlySpan<double> boxes, ReadOnlySpan<double> scores, ReadOnlySpan<int> labels, double tolerance)
    {
        if (labels[a] != Labels[e] || Math.Abs(scores[a] - Scores[e]) > tolerance)
            return false;
        for (int c = 0; c < 4; c++)
        {
            if (Math.Abs(boxes[4 * a + c] - Boxes[4 * e + c]) > tolerance)
                return false;
        }
        return true;
    }
}
