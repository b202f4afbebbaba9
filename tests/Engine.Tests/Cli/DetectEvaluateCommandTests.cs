using Engine.Tests.Detection;

namespace Engine.Tests.Cli;

/// <summary><c>engine detect evaluate</c> on the golden COCO cases: pycocotools' printed summary, JSON, the plot and one-line errors.</summary>
public sealed class DetectEvaluateCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Case(string name, string file) => TestData.PathOf("coco", name, file);

    [Fact]
    public void Prints_pycocotools_summary()
    {
        var r = CliRunner.Run("detect", "evaluate", "--gt", Case("crowds", "gt.json"), "--dt", Case("crowds", "dt.json"));
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith(File.ReadAllText(Case("crowds", "summary.txt")), r.Output);
        Assert.Equal("", r.Error);
    }

    [Fact]
    public void Json_has_the_stats_and_per_category_ap()
    {
        var r = CliRunner.Run("detect", "evaluate", "--gt", Case("categories_without_gt", "gt.json"), "--dt", Case("categories_without_gt", "dt.json"), "--json");
        Assert.Equal(0, r.ExitCode);
        var expected = TestData.Json("coco", "categories_without_gt", "expected.json");
        var stats = expected.GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(stats[0], r.Json.GetProperty("stats").GetProperty("AP").GetDouble(), 1e-12);
        Assert.Equal(stats[11], r.Json.GetProperty("stats").GetProperty("ARl").GetDouble(), 1e-12);
        var perCategory = r.Json.GetProperty("perCategory").EnumerateArray().ToArray();
        var categories = expected.GetProperty("categories").EnumerateArray().ToArray();
        Assert.Equal(categories.Length, perCategory.Length);
        for (int k = 0; k < categories.Length; k++)
        {
            Assert.Equal(categories[k].GetProperty("id").GetInt64(), perCategory[k].GetProperty("id").GetInt64());
            Assert.Equal(categories[k].GetProperty("ap").GetDouble(), perCategory[k].GetProperty("ap").GetDouble(), 1e-12);
        }
        Assert.Contains(perCategory, c => c.GetProperty("ap").GetDouble() == -1);
        Assert.Equal(0, r.Json.GetProperty("unknownCategoryDetections").GetInt32());
    }

    [Fact]
    public void Detections_of_unlisted_categories_are_counted()
    {
        var r = CliRunner.Run("detect", "evaluate", "--gt", Case("dets_of_unknown_categories", "gt.json"), "--dt", Case("dets_of_unknown_categories", "dt.json"), "--json");
        Assert.Equal(0, r.ExitCode);
        var dt = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Case("dets_of_unknown_categories", "dt.json"))).RootElement;
        int unknown = dt.EnumerateArray().Count(d => d.GetProperty("category_id").GetInt64() is 8 or 9);
        Assert.True(unknown > 0);
        Assert.Equal(unknown, r.Json.GetProperty("unknownCategoryDetections").GetInt32());
    }

    [Fact]
    public void Plot_writes_a_png()
    {
        string png = _folder.File("pr.png");
        var r = CliRunner.Run("detect", "evaluate", "--gt", Case("many_images", "gt.json"), "--dt", Case("many_images", "dt.json"), "--plot", png);
        Assert.Equal(0, r.ExitCode);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp-*"));
    }

    [Fact]
    public void A_bad_annotation_is_one_line_naming_the_file_and_annotation()
    {
        string gt = _folder.File("gt.json");
        File.WriteAllText(gt, """{"images":[{"id":1}],"categories":[{"id":1}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[0,0,1,1],"area":1},{"id":2,"image_id":1,"category_id":1,"bbox":[0,0,"x",1],"area":1}]}""");
        var r = CliRunner.Run("detect", "evaluate", "--gt", gt, "--dt", Case("basic", "dt.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {gt}: annotation 1: \"bbox\" must be [x, y, w, h], four finite numbers.", r.Error.TrimEnd());
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void A_detection_on_an_image_not_in_the_ground_truth_names_both_files()
    {
        string dt = _folder.File("dt.json");
        File.WriteAllText(dt, """[{"image_id":123456789,"category_id":1,"bbox":[0,0,5,5],"score":0.5}]""");
        string gt = Case("basic", "gt.json");
        var r = CliRunner.Run("detect", "evaluate", "--gt", gt, "--dt", dt);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {dt}: detection 0 has image_id 123456789, which is not an image of {gt}.", r.Error.TrimEnd());
    }

    [Fact]
    public void A_missing_file_is_one_line()
    {
        string missing = _folder.File("none.json");
        var r = CliRunner.Run("detect", "evaluate", "--gt", missing, "--dt", Case("basic", "dt.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("engine: error: ", r.Error);
        Assert.Contains(missing, r.Error);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }
}
