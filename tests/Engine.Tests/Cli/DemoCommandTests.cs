using Engine.IO;

namespace Engine.Tests.Cli;

public class DemoCommandTests
{
    [Fact]
    public void Demo_learns_a_threshold_that_beats_calling_everything_ink()
    {
        using var folder = new TempFolder();
        var result = CliRunner.Run("demo", "--size", "384", "--out", folder.Path, "--json");
        Assert.Equal(0, result.ExitCode);
        var json = result.Json;
        double heldOut = json.GetProperty("heldOutFBeta").GetDouble(), trivial = json.GetProperty("allInkFBeta").GetDouble();
        Assert.InRange(json.GetProperty("bestPercentile").GetDouble(), 0.80, 0.99);
        Assert.True(heldOut > 2 * trivial, $"held-out F0.5 {heldOut} should clearly beat calling everything ink ({trivial})");
        foreach (string name in new[] { "prob.png", "ink.png", "inklabels.png", "mask.png", "overlay.png" })
            Assert.True(File.Exists(Path.Combine(folder.Path, name)), name);
        var ink = PngImage.Read(Path.Combine(folder.Path, "ink.png"));
        Assert.Equal((384, 384), (ink.Width, ink.Height));
        Assert.Equal(json.GetProperty("positives").GetInt64(), ink.Pixels.LongCount(p => p == 255));
    }

    [Fact]
    public void Demo_prints_its_numbers_and_stage_timings()
    {
        using var folder = new TempFolder();
        var result = CliRunner.Run("demo", "--size", "256", "--out", folder.Path);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("held-out F0.5 (right half)", result.Output);
        Assert.Contains("time: generate", result.Output);
    }

    [Fact]
    public void A_size_out_of_range_is_explained()
    {
        var result = CliRunner.Run("demo", "--size", "10");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--size 10 is outside 64", result.Error);
    }

    [Fact]
    public void Info_names_the_cpu_and_the_auto_backend()
    {
        var result = CliRunner.Run("info", "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.False(string.IsNullOrEmpty(result.Json.GetProperty("cpu").GetString()));
        Assert.Contains(result.Json.GetProperty("vectorBits").GetInt32(), new[] { 0, 128, 256, 512 });
    }
}

public class VerifyCommandTests
{
    [Fact]
    public void The_kernels_on_the_ilgpu_emulator_agree_with_the_simd_path()
    {
        // The smallest size: the emulator runs each kernel twice (a warm-up, then the timed call).
        var result = CliRunner.Run("verify", "--size", "16", "--backend", "ilgpu-cpu", "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Json.GetProperty("pass").GetBoolean());
        var rows = result.Json.GetProperty("operations").EnumerateArray().ToDictionary(r => r.GetProperty("operation").GetString()!);
        Assert.Equal(ExactRows.Append("normalize").Order(), rows.Keys.Order());
        foreach (var name in ExactRows)
        {
            Assert.Equal("exact", rows[name].GetProperty("tolerance").GetString());
            Assert.True(rows[name].GetProperty("identical").GetBoolean(), name);
        }
        var normalize = rows["normalize"];
        Assert.Equal("1 ulp", normalize.GetProperty("tolerance").GetString());
        Assert.Equal("max ulps", normalize.GetProperty("differenceUnit").GetString());
        Assert.InRange(normalize.GetProperty("difference").GetDouble(), 0, 1);
        Assert.True(normalize.GetProperty("pass").GetBoolean());
    }

    private static readonly string[] ExactRows = ["quantile", "threshold", "fbeta", "best-percentile", "wbf", "cosine-top-k", "stitch"];

    [Fact]
    public void Every_row_prints_its_tolerance()
    {
        var result = CliRunner.Run("verify", "--size", "32", "--backend", "cpu");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n');
        foreach (var name in ExactRows)
            Assert.Contains(lines, l => l.StartsWith(name + " ") && l.Contains("identical") && l.Contains("(exact)"));
        Assert.Contains(lines, l => l.StartsWith("normalize ") && l.Contains("(1 ulp)") && l.Contains("max ulps 0"));
    }

    [Fact]
    public void Verifying_the_cpu_path_against_itself_says_so()
    {
        var result = CliRunner.Run("verify", "--size", "32", "--backend", "cpu");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("compares it with itself", result.Error);
    }

    [Fact]
    public void A_verify_size_out_of_range_is_explained()
    {
        var result = CliRunner.Run("verify", "--size", "8");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--size 8 is outside 16", result.Error);
    }
}
