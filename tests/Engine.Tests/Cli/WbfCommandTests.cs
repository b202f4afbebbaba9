using System.Globalization;
using System.Text.Json;
using Engine.Detection;
using Engine.Tests.Detection;

namespace Engine.Tests.Cli;

/// <summary>engine wbf on JSON files, checked against ensemble-boxes' golden output.</summary>
public sealed class WbfCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string ImageJson(ImagePredictions image, double scaleX = 1, double scaleY = 1, bool withWeights = true) => JsonSerializer.Serialize(new
    {
        models = image.Models.Select(m => new
        {
            boxes = m.Boxes.Chunk(4).Select(b => new[] { b[0] * scaleX, b[1] * scaleY, b[2] * scaleX, b[3] * scaleY }),
            scores = m.Scores,
            labels = m.Labels,
        }),
        weights = withWeights ? image.Weights : null,
    });

    private string Write(string name, string text)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<string> Args(DetectionCase c)
    {
        var args = new List<string> { "--method", c.Method, "--iou-thr", F(c.Param("iou_thr")) };
        if (c.Params.TryGetProperty("skip_box_thr", out var skip))
            args.AddRange(["--skip-box-thr", F(skip.GetDouble())]);
        if (c.Params.TryGetProperty("conf_type", out var conf))
            args.AddRange(["--conf-type", conf.GetString()!]);
        if (c.Params.TryGetProperty("allows_overflow", out var overflow) && overflow.GetBoolean())
            args.Add("--allows-overflow");
        if (c.Params.TryGetProperty("sigma", out var sigma))
            args.AddRange(["--sigma", F(sigma.GetDouble()), "--thresh", F(c.Param("thresh"))]);
        return args;
    }

    private static (double[] Boxes, double[] Scores, int[] Labels)[] Outputs(string path)
    {
        var text = File.ReadAllText(path).Trim();
        var elements = text.StartsWith('[')
            ? JsonDocument.Parse(text).RootElement.EnumerateArray().ToArray()
            : text.Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        return elements.Select(e => (
            e.GetProperty("boxes").EnumerateArray().SelectMany(b => b.EnumerateArray().Select(v => v.GetDouble())).ToArray(),
            e.GetProperty("scores").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            e.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray())).ToArray();
    }

    [Theory]
    [InlineData("wbf_box_and_model_avg_clip_3")]
    [InlineData("wbf_large_1")]
    [InlineData("nmw_5")]
    [InlineData("nms_7")]
    [InlineData("soft-nms-linear_9")]
    [InlineData("soft-nms-gaussian_11")]
    public void Each_method_gives_ensemble_boxes_answer(string name)
    {
        var c = DetectionCase.Named(name);
        string input = Write("in.jsonl", ImageJson(c.Image) + "\n");
        string output = _folder.File("out.jsonl");
        var result = CliRunner.Run(["wbf", "--input", input, "--out", output, "--json", .. Args(c)]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(c.Scores.Length, result.Json.GetProperty("boxesOut").GetInt32());
        var outputs = Outputs(output);
        Assert.Single(outputs);
        c.AssertMatches(outputs[0].Boxes, outputs[0].Scores, outputs[0].Labels, "engine wbf");
    }

    [Fact]
    public void A_json_array_of_images_keeps_order_and_per_image_weights_override_the_option()
    {
        // Cases fused by ensemble-boxes with iou 0.55, skip 0, avg: the first has its own weights [1, 3, 2],
        // the second none (ensemble-boxes' weights=None, i.e. all 1), given here through --weights 1,1.
        var weighted = DetectionCase.Named("wbf_empty_model_avg");
        var plain = DetectionCase.Cases.First(c => c.Method == "wbf" && c.Image.Weights is null && c.Image.Models.Count == 2
            && c.Param("iou_thr") == 0.55 && c.Param("skip_box_thr") == 0 && c.Params.GetProperty("conf_type").GetString() == "avg"
            && !c.Params.GetProperty("allows_overflow").GetBoolean() && c.Scores.Length > 0);
        string input = Write("in.json", $"[{ImageJson(weighted.Image)},\n{ImageJson(plain.Image)}]");
        string output = _folder.File("out.json");
        var result = CliRunner.Run("wbf", "--input", input, "--out", output, "--weights", "1,1", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(2, result.Json.GetProperty("images").GetInt32());
        Assert.StartsWith("[", File.ReadAllText(output));
        var outputs = Outputs(output);
        weighted.AssertMatches(outputs[0].Boxes, outputs[0].Scores, outputs[0].Labels, "first image");
        plain.AssertMatches(outputs[1].Boxes, outputs[1].Scores, outputs[1].Labels, "second image");
    }

    [Fact]
    public void Pixel_coordinates_with_image_size()
    {
        var c = DetectionCase.Named("wbf_large_0");
        string input = Write("in.jsonl", ImageJson(c.Image, 1920, 1080) + "\n");
        string output = _folder.File("out.jsonl");
        var result = CliRunner.Run(["wbf", "--input", input, "--out", output, "--image-size", "1920,1080", .. Args(c)]);
        Assert.True(result.ExitCode == 0, result.Error);
        var o = Outputs(output)[0];
        var normalized = o.Boxes.Select((v, i) => v / (i % 2 == 0 ? 1920 : 1080)).ToArray();
        Assert.Contains(o.Boxes, v => v > 1);
        c.AssertMatches(normalized, o.Scores, o.Labels, "pixels");
        Assert.Contains("wbf: 1 images", result.Output);
    }

    [Fact]
    public void Fixed_boxes_are_reported_as_warnings_not_errors()
    {
        string input = Write("in.jsonl", """{"models":[{"boxes":[[0.5,0.1,0.2,0.4],[0.3,0.3,0.3,0.6]],"scores":[0.9,0.8],"labels":[0,0]}]}""" + "\n");
        var result = CliRunner.Run("wbf", "--input", input, "--out", _folder.File("out.jsonl"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("engine: warning: image 0, model 0, box 0: x2 < x1: swapped", result.Error);
        Assert.Contains("image 0, model 0, box 1: zero area", result.Error);
        Assert.Single(Outputs(_folder.File("out.jsonl"))[0].Scores);
    }

    [Theory]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9,0.8],"labels":[0]}]}""", new string[0], "image 0, model 0: 1 boxes, 2 scores and 1 labels")]
    [InlineData("""{"models":[{"boxes":[],"scores":[],"labels":[]}]}""" + "\n" + """{"models":[{"boxes":[],"scores":[],"labels":[]},{"boxes":[[0.1,0.1,"NaN",0.4]],"scores":[0.9],"labels":[0]}]}""", new string[0], "image 1, model 1, box 0, x2 is NaN")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":["Infinity"],"labels":[0]}]}""", new string[0], "model 0, score 0 is Infinity")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}],"weights":[1,2]}""", new string[0], "Image 0 has 2 weights for 1 models")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}]}""", new[] { "--weights", "1,2" }, "--weights has 2 weights but image 0 has 1 models")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}]}""", new[] { "--conf-type", "mean" }, "Unknown conf type 'mean'")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}]}""", new[] { "--method", "greedy" }, "--method greedy is not one of")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}]}""", new[] { "--image-size", "640" }, "--image-size 640 must be two positive numbers")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0.5]}]}""", new string[0], "label 0 is 0.5; labels must be integers")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4]],"scores":[0.9],"labels":[0]}]}""", new string[0], "box 0: expected [x1, y1, x2, y2]")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9]}]}""", new string[0], "image 0, model 0 has no \"labels\" array")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0]}""", new string[0], "malformed JSON")]
    // Every box of a cluster scores 0: the weighted box is 0/0 (NaN in ensemble-boxes), which JSON cannot hold.
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4],[0.1,0.1,0.4,0.41]],"scores":[0,0],"labels":[0,0]}]}""", new[] { "--method", "nmw" }, "image 0's fused box 0 is made of boxes that all score 0")]
    [InlineData("""{"models":[{"boxes":[[0.1,0.1,0.4,0.4],[0.1,0.1,0.4,0.41]],"scores":[0,0],"labels":[0,0]}]}""", new string[0], "image 0's fused box 0 is made of boxes that all score 0")]
    public void Bad_input_is_one_error_line(string content, string[] extra, string message)
    {
        string input = Write("bad.jsonl", content);
        var result = CliRunner.Run(["wbf", "--input", input, "--out", _folder.File("out.jsonl"), .. extra]);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void A_missing_input_file_is_an_error()
    {
        var result = CliRunner.Run("wbf", "--input", _folder.File("nope.json"), "--out", _folder.File("out.json"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope.json", result.Error);
    }
}
