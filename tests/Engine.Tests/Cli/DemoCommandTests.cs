using Engine.IO;

namespace Engine.Tests.Cli;

public class DemoCommandTests
{
    /// <summary>
    /// The whole main job, shrunk: a 320² fragment and 4 epochs instead of 1,024² and 16 (docs/performance.md has the
    /// full demo's numbers; Engine.Torch.Tests' InkEndToEndTests checks that a small run beats the trivial predictor).
    /// Every stage runs, writes what it should, and the JSON agrees with the files.
    /// </summary>
    [Fact]
    public void Demo_writes_the_fragment_the_model_and_the_maps_and_reports_the_held_out_score()
    {
        using var folder = new TempFolder();
        var result = CliRunner.Run("demo", "--size", "320", "--epochs", "4", "--out", folder.Path, "--json");
        Assert.Equal(0, result.ExitCode);
        var json = result.Json;
        Assert.True(json.GetProperty("lastEpochLoss").GetDouble() < json.GetProperty("firstEpochLoss").GetDouble(), result.Output);
        Assert.InRange(json.GetProperty("heldOutFBeta").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("allInkFBeta").GetDouble(), 0.01, 1);
        Assert.Equal(240, json.GetProperty("heldOutColumns")[0].GetInt32());
        Assert.InRange(json.GetProperty("quantile").GetDouble(), 0.50, 0.99);
        foreach (string name in new[] { "prob.tif", "prob.png", "prob.npy", "ink.png", "overlay.png", "fragment/mask.png", "fragment/inklabels.png", "fragment/surface_volume/64.tif", "model/config.json", "model/last/config.json" })
            Assert.True(File.Exists(Path.Combine(folder.Path, name)), name);
        var ink = PngImage.Read(Path.Combine(folder.Path, "ink.png"));
        Assert.Equal((320, 320), (ink.Width, ink.Height));
        Assert.Equal(json.GetProperty("positives").GetInt64(), ink.Pixels.LongCount(p => p == 255));
        var seconds = json.GetProperty("seconds");
        foreach (string stage in new[] { "generate", "train", "infer", "total" })
            Assert.True(seconds.GetProperty(stage).GetDouble() > 0, stage);
    }

    [Fact]
    public void A_size_out_of_range_is_explained()
    {
        var result = CliRunner.Run("demo", "--size", "10");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--size 10 is outside 256", result.Error);
        string folder = Path.Combine(Path.GetTempPath(), "engine-demo-epochs-" + Guid.NewGuid().ToString("N"));
        var epochs = CliRunner.Run("demo", "--epochs", "0", "--out", folder);
        Assert.Equal(1, epochs.ExitCode);
        Assert.Contains("--epochs 0 is outside 1 … 100000", epochs.Error);
        Assert.False(Directory.Exists(folder), "nothing is written before the options are checked");
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
        // The smallest size: the emulator runs each kernel twice (a warm-up, then the timed call); the GPU check's
        // path (gpu/check.sh: --timings, --markdown) in the same process, at its emulator sizes.
        using var folder = new TempFolder();
        string markdown = folder.File("gpu-check.md");
        var result = CliRunner.Run("verify", "--size", "16", "--backend", "ilgpu-cpu", "--json", "--timings", "small", "--markdown", markdown,
            "--peak-tflops", "1", "--peak-bandwidth", "10");
        Assert.True(result.ExitCode == 0, result.Error);
        var timings = result.Json.GetProperty("timings").EnumerateArray().ToArray();
        Assert.Equal(["knn", "quantile", "threshold", "stitch", "normalize"], timings.Select(t => t.GetProperty("operation").GetString()));
        foreach (var t in timings)
        {
            Assert.True(t.GetProperty("backendSeconds").GetDouble() > 0);
            Assert.InRange(t.GetProperty("cpuFraction").GetDouble(), 1.0 / 64, 1);
            // The share of the given peak is the throughput over it.
            double peak = t.GetProperty("operation").GetString() == "knn" ? 1e12 : 10e9;
            Assert.Equal(t.GetProperty("throughput").GetDouble() / peak, t.GetProperty("shareOfPeak").GetDouble(), 12);
        }
        var table = File.ReadAllLines(markdown);
        Assert.Contains(table, l => l.StartsWith("| wbf | identical | exact |", StringComparison.Ordinal));
        Assert.Contains(table, l => l.StartsWith("| knn | 256 × 32 rows, 4 queries, k 10 |", StringComparison.Ordinal) && l.Contains("of FP32 peak: "));
        Assert.Contains(table, l => l.StartsWith("| normalize | 4 uint16 patches", StringComparison.Ordinal) && l.Contains("of bandwidth: "));
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

    private static readonly string[] ExactRows = ["quantile", "threshold", "fbeta", "best-percentile", "wbf", "cosine-top-k", "stitch", "ink-inference"];

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
