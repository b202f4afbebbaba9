namespace Engine.Tests.Cli;

public class IdentifyCommandTests
{
    [Fact]
    public void Score_prints_map5_and_json()
    {
        using var folder = new TempFolder();
        string pred = Path.Combine(folder.Path, "sub.csv"), truth = Path.Combine(folder.Path, "truth.csv");
        File.WriteAllLines(pred, ["image,predictions", "a.jpg,x new_individual y z w", "b.jpg,new_individual q y z w"]);
        File.WriteAllLines(truth, ["image,individual_id", "a.jpg,new_individual", "b.jpg,y"]);
        var result = CliRunner.Run("identify", "score", "--pred", pred, "--truth", truth);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("MAP@5 0.4167", result.Output.Trim());
        var json = CliRunner.Run("identify", "score", "--pred", pred, "--truth", truth, "--json");
        Assert.Equal((0.5 + 1.0 / 3) / 2, json.Json.GetProperty("map5").GetDouble(), 12);
    }

    [Fact]
    public void A_csv_mistake_is_one_error_line_naming_the_file_and_line()
    {
        using var folder = new TempFolder();
        string images = Path.Combine(folder.Path, "images");
        Directory.CreateDirectory(images);
        File.WriteAllText(Path.Combine(images, "a.png"), "");
        string csv = Path.Combine(folder.Path, "train.csv");
        File.WriteAllLines(csv, ["image,individual_id", "a.png,x", "a.png,y"]);
        var result = CliRunner.Run("identify", "train", "--train", csv, "--images", images, "--out", Path.Combine(folder.Path, "m"));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"engine: error: {csv}, line 3: the image \"a.png\" is listed again (first on line 2).", result.Error.Trim());
        var threshold = CliRunner.Run("identify", "predict", "--model", "m", "--train", csv, "--test", csv, "--images", images, "--out", "x.csv", "--threshold", "high");
        Assert.Equal(1, threshold.ExitCode);
        Assert.Contains("--threshold high is neither auto nor a number", threshold.Error);
    }
}
