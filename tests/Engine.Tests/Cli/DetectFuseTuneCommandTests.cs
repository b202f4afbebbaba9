using System.Text;
using Engine.Detection;

namespace Engine.Tests.Cli;

/// <summary><c>engine detect fuse</c> and <c>engine detect tune</c> on COCO files: views mapped back, the tuner's best re-evaluated, one-line errors.</summary>
public sealed class DetectFuseTuneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Gt => TestData.PathOf("coco", "many_images", "gt.json");

    private static string Dt => TestData.PathOf("coco", "many_images", "dt.json");

    private static CocoDetections Read(string path) => CocoJson.ReadResults(File.ReadAllBytes(path), path);

    /// <summary>
    /// The detections as a horizontally flipped view (640 wide, as every image of the case) would report them; with
    /// <paramref name="jitter"/>, as a second, different model would (boxes moved a few pixels, scores lowered).
    /// </summary>
    private string Flipped(bool jitter = false)
    {
        var dt = Read(Dt);
        var boxes = (double[])dt.Boxes.Clone();
        var scores = (double[])dt.Scores.Clone();
        var rng = new Random(1);
        for (int d = 0; d < dt.Count; d++)
        {
            if (jitter)
            {
                for (int c = 0; c < 4; c++)
                    boxes[4 * d + c] += (rng.NextDouble() - 0.5) * 6;
                boxes[4 * d + 2] = Math.Max(1, boxes[4 * d + 2]);
                boxes[4 * d + 3] = Math.Max(1, boxes[4 * d + 3]);
                scores[d] *= 0.5 + 0.5 * rng.NextDouble();
            }
            boxes[4 * d] = 640 - (boxes[4 * d] + boxes[4 * d + 2]);
        }
        string path = _folder.File(jitter ? "hflip-jitter.json" : "hflip.json");
        using (var file = File.Create(path))
            CocoJson.WriteResults(file, new CocoDetections(dt.ImageIds, dt.CategoryIds, boxes, scores));
        return path;
    }

    [Fact]
    public void A_flipped_view_fuses_like_the_original_twice()
    {
        string twice = _folder.File("twice.json"), viewed = _folder.File("viewed.json");
        var r1 = CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", Dt, "--pred", Dt, "--weights", "2,1", "--out", twice);
        Assert.True(r1.ExitCode == 0, r1.Error);
        var r2 = CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", Dt, "--pred", Flipped(), "--view", "identity", "--view", "hflip", "--weights", "2,1", "--out", viewed);
        Assert.True(r2.ExitCode == 0, r2.Error);
        Assert.Contains("2 prediction sets", r2.Output);
        var a = Read(twice);
        var b = Read(viewed);
        Assert.True(a.Count > 100);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.ImageIds, b.ImageIds);
        Assert.Equal(a.CategoryIds, b.CategoryIds);
        for (int i = 0; i < a.Boxes.Length; i++)
            Assert.True(Math.Abs(a.Boxes[i] - b.Boxes[i]) < 1e-6, $"value {i}: {a.Boxes[i]} against {b.Boxes[i]}");
        for (int i = 0; i < a.Count; i++)
            Assert.Equal(a.Scores[i], b.Scores[i], 1e-12);
        // Without the view the flipped set lands on the wrong side, and the fusion differs.
        string wrong = _folder.File("wrong.json");
        Assert.Equal(0, CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", Dt, "--pred", Flipped(), "--weights", "2,1", "--out", wrong).ExitCode);
        Assert.NotEqual(a.Count, Read(wrong).Count);
    }

    [Fact]
    public void Nms_of_one_set_keeps_the_original_pixels()
    {
        string output = _folder.File("nms.json");
        var r = CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", Dt, "--method", "nms", "--iou-thr", "0.99", "--out", output, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        var input = Read(Dt);
        var kept = Read(output);
        // Nearly nothing is suppressed at 0.99; every kept box is one of the inputs, in pixels, to rounding.
        Assert.True(kept.Count > input.Count * 0.95, $"{kept.Count} of {input.Count}");
        var originals = Enumerable.Range(0, input.Count).Select(d => (input.ImageIds[d], input.CategoryIds[d], input.Scores[d], Math.Round(input.Boxes[4 * d], 6), Math.Round(input.Boxes[4 * d + 3], 6))).ToHashSet();
        for (int d = 0; d < kept.Count; d++)
        {
            var key = (kept.ImageIds[d], kept.CategoryIds[d], kept.Scores[d], Math.Round(kept.Boxes[4 * d], 6), Math.Round(kept.Boxes[4 * d + 3], 6));
            // Boxes that ensemble-boxes clips to the image differ; the rest must be the input's.
            if (kept.Boxes[4 * d] > 0 && kept.Boxes[4 * d + 1] > 0 && kept.Boxes[4 * d] + kept.Boxes[4 * d + 2] < 640 && kept.Boxes[4 * d + 1] + kept.Boxes[4 * d + 3] < 480)
                Assert.Contains(key, originals);
        }
        Assert.Equal(kept.Count, r.Json.GetProperty("detectionsOut").GetInt32());
    }

    [Fact]
    public void Tune_reports_every_candidate_and_writes_the_best()
    {
        string best = _folder.File("best.json"), plot = _folder.File("heat.png");
        var r = CliRunner.Run("detect", "tune", "--gt", Gt, "--pred", Dt, "--pred", Flipped(jitter: true), "--view", "identity", "--view", "hflip",
            "--iou-thr", "0.4:0.6:0.1", "--skip-box-thr", "0,0.3", "--conf-type", "avg,max", "--weights", "1,1;2,1", "--out", best, "--plot", plot, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        var candidates = r.Json.GetProperty("candidates").EnumerateArray().ToArray();
        Assert.Equal(3 * 2 * 2 * 2, candidates.Length);
        Assert.Equal([0.4, 0.5, 0.6], candidates.Select(c => c.GetProperty("iouThr").GetDouble()).Distinct().Order().ToArray());
        int bestIndex = r.Json.GetProperty("best").GetInt32();
        double bestScore = candidates[bestIndex].GetProperty("score").GetDouble();
        Assert.Equal(candidates.Max(c => c.GetProperty("score").GetDouble()), bestScore);
        Assert.True(candidates.Min(c => c.GetProperty("score").GetDouble()) < bestScore);
        // The written predictions score what the tuner said.
        var gt = CocoJson.ReadGroundTruth(File.ReadAllBytes(Gt), Gt);
        Assert.Equal(bestScore, CocoEvaluation.Evaluate(gt, Read(best)).Stats[0]);
        Assert.True(new FileInfo(plot).Length > 5_000);
    }

    [Fact]
    public void A_detection_on_an_unknown_image_is_one_line_naming_both_files()
    {
        string dt = _folder.File("dt.json");
        File.WriteAllText(dt, """[{"image_id":424242,"category_id":1,"bbox":[0,0,5,5],"score":0.5}]""");
        var r = CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", dt, "--out", _folder.File("out.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {dt}: detection 0 has image_id 424242, which is not an image of {Gt}.", r.Error.TrimEnd());
        Assert.False(File.Exists(_folder.File("out.json")));
    }

    [Fact]
    public void An_image_without_a_size_is_named()
    {
        string images = _folder.File("images.json"), dt = _folder.File("dt.json");
        File.WriteAllText(images, """{"images":[{"id":1,"width":100,"height":50},{"id":2}]}""");
        File.WriteAllText(dt, """[{"image_id":1,"category_id":1,"bbox":[0,0,5,5],"score":0.5},{"image_id":2,"category_id":1,"bbox":[0,0,5,5],"score":0.5}]""");
        var r = CliRunner.Run("detect", "fuse", "--images", images, "--pred", dt, "--out", _folder.File("out.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {images}: image 2 has no positive \"width\" and \"height\", needed to normalize {dt}'s boxes.", r.Error.TrimEnd());
    }

    [Theory]
    [InlineData("--view", "flip", "'flip' is not one of")]
    [InlineData("--weights", "1,2,3", "--weights 1,2,3: 3 weights for 1 --pred files")]
    [InlineData("--method", "fancy", "--method fancy is not one of")]
    public void Bad_options_are_one_line(string option, string value, string message)
    {
        var r = CliRunner.Run("detect", "fuse", "--images", Gt, "--pred", Dt, option, value, "--out", _folder.File("out.json"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("engine: error: ", r.Error);
        Assert.Contains(message, r.Error);
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Results_round_trip_through_the_writer()
    {
        var dt = new CocoDetections([3, 1], [7, 2], [0.1, 0.2, 10.5, 1e-7, 1, 2, 3, 4], [0.30000000000000004, 1]);
        using var stream = new MemoryStream();
        CocoJson.WriteResults(stream, dt);
        var back = CocoJson.ReadResults(stream.ToArray(), "mem");
        Assert.Equal(dt.ImageIds, back.ImageIds);
        Assert.Equal(dt.CategoryIds, back.CategoryIds);
        Assert.Equal(dt.Boxes, back.Boxes);
        Assert.Equal(dt.Scores, back.Scores);
        Assert.StartsWith("[{\"image_id\":3,\"category_id\":7,\"bbox\":[0.1,0.2,10.5,1E-07],\"score\":0.30000000000000004}", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
