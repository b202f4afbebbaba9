using System.Text;
using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>
/// COCO box evaluation against the real pycocotools COCOeval (C extension built from cocodataset/cocoapi) on the cases of
/// tests/data/coco, made by make_golden.py: the 12 summary numbers and per-category AP to 1e-12.
/// </summary>
public sealed class CocoEvaluationTests
{
    // Both sides compute in float64 with the same operations; the tolerance leaves room only for summation order,
    // which is reproduced too (numpy's pairwise sum), so in practice the numbers are equal.
    private const double Tolerance = 1e-12;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(TestData.PathOf("coco")).Order())
            data.Add(Path.GetFileName(dir));
        return data;
    }

    private static (CocoDataset Gt, CocoDetections Dt) Load(string name)
    {
        string gt = TestData.PathOf("coco", name, "gt.json"), dt = TestData.PathOf("coco", name, "dt.json");
        return (CocoJson.ReadGroundTruth(File.ReadAllBytes(gt), gt), CocoJson.ReadResults(File.ReadAllBytes(dt), dt));
    }

    [Fact]
    public void There_are_golden_cases()
    {
        Assert.True(Cases().Count >= 18, $"{Cases().Count} cases under tests/data/coco");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_pycocotools(string name)
    {
        var (gt, dt) = Load(name);
        var expected = TestData.Json("coco", name, "expected.json");
        var result = CocoEvaluation.Evaluate(gt, dt);

        var stats = expected.GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(12, result.Stats.Length);
        for (int s = 0; s < 12; s++)
            Assert.True(Math.Abs(stats[s] - result.Stats[s]) <= Tolerance, $"{name}: stats[{s}] ({CocoEvaluationResult.StatNames[s]}) = {result.Stats[s]:R}, pycocotools {stats[s]:R}");
        Assert.Equal(stats, result.Stats); // and in fact to the bit

        var categories = expected.GetProperty("categories").EnumerateArray().ToArray();
        Assert.Equal(categories.Select(c => c.GetProperty("id").GetInt64()), result.CategoryIds);
        for (int k = 0; k < categories.Length; k++)
        {
            double ap = categories[k].GetProperty("ap").GetDouble();
            Assert.True(Math.Abs(ap - result.CategoryAp[k]) <= Tolerance, $"{name}: category {result.CategoryIds[k]} AP = {result.CategoryAp[k]:R}, pycocotools {ap:R}");
            Assert.Equal(ap, result.CategoryAp[k]);
        }

        // summarize()'s printed lines, character for character.
        Assert.Equal(File.ReadAllText(TestData.PathOf("coco", name, "summary.txt")), result.Summary());
    }

    [Fact]
    public void Thread_count_does_not_change_the_answer()
    {
        var (gt, dt) = Load("many_images");
        var one = CocoEvaluation.Evaluate(gt, dt, maxDegreeOfParallelism: 1);
        var all = CocoEvaluation.Evaluate(gt, dt);
        Assert.Equal(one.Precision, all.Precision);
        Assert.Equal(one.Recall, all.Recall);
    }

    [Fact]
    public void Thresholds_are_numpys_linspace()
    {
        // np.linspace(.5, .95, 10)[8] is 0.8999999999999999, and [5] is exactly 0.75 (summarize's np.where finds it).
        Assert.Equal(0.8999999999999999, CocoEvaluation.IouThresholds[8]);
        Assert.Equal(0.75, CocoEvaluation.IouThresholds[5]);
        Assert.Equal(0.29, CocoEvaluation.RecallThresholds[29]);
        Assert.Equal(1.0, CocoEvaluation.RecallThresholds[100]);
    }

    [Fact]
    public void A_perfect_detection_scores_one_and_a_missing_category_minus_one()
    {
        var gt = new CocoDataset([1], [1, 2], [1], [1], [1], [10, 10, 50, 40], [2000], [false]);
        var dt = new CocoDetections([1], [1], [10, 10, 50, 40], [0.9]);
        var result = CocoEvaluation.Evaluate(gt, dt);
        // Precision is TP / (TP + FP + 2^-52), so a perfect score is 1/(1 + 2^-52), as pycocotools reports it.
        Assert.Equal(1 / (1 + Math.Pow(2, -52)), result.Stats[0], 1e-15);
        Assert.True(result.Stats[0] < 1);
        Assert.Equal(1.0, result.Stats[8]); // recall is TP / npig
        Assert.Equal(-1.0, result.Stats[3]); // no small ground truth
        Assert.Equal(-1.0, result.CategoryAp[1]);
    }

    [Theory]
    [InlineData(0.0625, "0.062")]
    [InlineData(0.1875, "0.188")]
    [InlineData(0.06250000000000001, "0.063")]
    [InlineData(0.3125, "0.312")]
    [InlineData(0.6875, "0.688")]
    [InlineData(-1.0, "-1.000")]
    [InlineData(1.0, "1.000")]
    public void Three_decimals_round_half_to_even_as_python(double value, string text)
    {
        Assert.Equal(text, CocoEvaluationResult.Fixed3(value));
    }

    [Fact]
    public void A_detection_on_an_unknown_image_names_it()
    {
        var gt = new CocoDataset([1], [1], [], [], [], [], [], [], source: "gt.json");
        var dt = new CocoDetections([1, 7], [1, 1], [0, 0, 1, 1, 0, 0, 1, 1], [0.5, 0.5], source: "dt.json");
        var e = Assert.ThrowsAny<ArgumentException>(() => CocoEvaluation.Evaluate(gt, dt));
        Assert.Contains("dt.json: detection 1 has image_id 7, which is not an image of gt.json", e.Message);
    }

    [Theory]
    [InlineData("""{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1]}]}""", "gt.json: annotation 0 (id 5) lacks \"area\"")]
    [InlineData("""{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1],"area":1}]}""", "gt.json: annotation 0: \"bbox\" must be [x, y, w, h], four finite numbers (found 3)")]
    [InlineData("""{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":5,"image_id":"a","category_id":1,"bbox":[0,0,1,1],"area":1}]}""", "gt.json: annotation 0: \"image_id\" must be an integer (found string a)")]
    [InlineData("""{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1},{"id":5,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1}]}""", "gt.json: annotation 1 repeats the id 5")]
    [InlineData("""{"images":[{"id":1}],"annotations":[]}""", "gt.json: a COCO ground truth needs \"images\", \"categories\" and \"annotations\"; missing: categories")]
    [InlineData("""{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":5,""", "gt.json: malformed JSON at annotation 0")]
    [InlineData("""[]""", "gt.json: expected a COCO ground-truth object")]
    public void Ground_truth_errors_name_the_file_and_annotation(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => CocoJson.ReadGroundTruth(Encoding.UTF8.GetBytes(json), "gt.json"));
        Assert.StartsWith(message, e.Message);
    }

    [Theory]
    [InlineData("""[{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":0.5},{"image_id":2,"category_id":1,"bbox":[0,0,1,1]}]""", "dt.json: detection 1 (image 2) lacks \"score\"")]
    [InlineData("""[{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":"high"}]""", "dt.json: detection 0: \"score\" must be a finite number (found string high)")]
    [InlineData("""{"image_id":1}""", "dt.json: expected COCO results, a JSON array")]
    [InlineData("""[{"image_id":1,"category_id":1,"bbox":[0,0,1,1],"score":0.5},""", "dt.json: malformed JSON at detection 1")]
    public void Result_errors_name_the_file_and_detection(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => CocoJson.ReadResults(Encoding.UTF8.GetBytes(json), "dt.json"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Reader_skips_fields_it_does_not_use()
    {
        var json = """
            {"info":{"year":2017,"x":[1,2,{"a":[]}]},"licenses":[],
             "images":[{"id":3,"file_name":"a.jpg","width":10,"height":10}],
             "annotations":[{"segmentation":[[1,2,3,4]],"area":12.5,"iscrowd":1,"image_id":3,"bbox":[1,2,3,4.5],"category_id":9,"id":42,"extra":{"k":null}}],
             "categories":[{"supercategory":"s","id":9,"name":"cat"}]}
            """;
        var gt = CocoJson.ReadGroundTruth(Encoding.UTF8.GetBytes(json), "gt.json");
        Assert.Equal([3L], gt.ImageIds);
        Assert.Equal([9L], gt.CategoryIds);
        Assert.Equal("cat", Assert.Single(gt.CategoryNames));
        Assert.Equal([42L], gt.AnnotationIds);
        Assert.Equal([1, 2, 3, 4.5], gt.Boxes);
        Assert.Equal([12.5], gt.Areas);
        Assert.Equal([true], gt.IsCrowd);
    }
}
