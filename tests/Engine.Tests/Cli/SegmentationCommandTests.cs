using Engine.IO;
using Engine.Tests.Segmentation;

namespace Engine.Tests.Cli;

/// <summary>engine quantile / threshold / fbeta / best-percentile on real files, checked against numpy and scikit-learn.</summary>
public sealed class SegmentationCommandTests : IDisposable
{
    private const int Height = 203, Width = 317;
    private readonly TempFolder _folder = new();
    private readonly string _probsNpy, _probsTif, _maskPng, _truthPng;

    public SegmentationCommandTests()
    {
        _probsNpy = _folder.File("probs.npy");
        _probsTif = _folder.File("probs.tif");
        _maskPng = _folder.File("mask.png");
        _truthPng = _folder.File("inklabels.png");
        NpyFile.Write(_probsNpy, InkMap.Probabilities, [Height, Width]);
        TiffImage.Write(_probsTif, InkMap.Probabilities, Width, Height);
        MapFile.WriteMask(_maskPng, new GrayImage<byte>(Width, Height, InkMap.Mask));
        MapFile.WriteMask(_truthPng, new GrayImage<byte>(Width, Height, InkMap.Truth));
    }

    public void Dispose() => _folder.Dispose();

    private static double Golden(string field, double q = 0.93) =>
        InkMap.Sweep.GetProperty("masked").EnumerateArray().Single(r => r.GetProperty("q").GetDouble() == q).GetProperty(field).GetDouble();

    [Theory]
    [InlineData("probs.npy")]
    [InlineData("probs.tif")]
    public void Threshold_writes_numpys_ink_mask(string input)
    {
        string ink = _folder.File("ink.png");
        var result = CliRunner.Run("threshold", "--input", _folder.File(input), "--mask", _maskPng, "--percentile", "0.93", "--out", ink, "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Golden("threshold"), result.Json.GetProperty("threshold").GetDouble());
        Assert.Equal((long)Golden("positives"), result.Json.GetProperty("positives").GetInt64());
        Assert.Equal(InkMap.Ink93, MapFile.ReadMask(ink).Pixels);
    }

    [Fact]
    public void Threshold_prints_the_threshold_and_count_as_text()
    {
        var result = CliRunner.Run("threshold", "--input", _probsNpy, "--mask", _maskPng, "--percentile", "0.93", "--out", _folder.File("ink.npy"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"threshold {Golden("threshold"):R}", result.Output);
        Assert.Contains($"ink: {(long)Golden("positives"):N0} pixels", result.Output);
        Assert.Equal(InkMap.Ink93, NpyFile.ReadBytes(_folder.File("ink.npy")).Data);
    }

    [Fact]
    public void FBeta_scores_as_scikit_learn()
    {
        string ink = _folder.File("ink.png");
        MapFile.WriteMask(ink, new GrayImage<byte>(Width, Height, InkMap.Ink93));
        var result = CliRunner.Run("fbeta", "--pred", ink, "--truth", _truthPng, "--mask", _maskPng, "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Golden("fbeta"), result.Json.GetProperty("fbeta").GetDouble());
        Assert.Equal(Golden("precision"), result.Json.GetProperty("precision").GetDouble());
        Assert.Equal((long)Golden("tp"), result.Json.GetProperty("truePositives").GetInt64());
    }

    [Fact]
    public void Ink_score_is_F0_5_as_scikit_learn()
    {
        string ink = _folder.File("ink.png");
        MapFile.WriteMask(ink, new GrayImage<byte>(Width, Height, InkMap.Ink93));
        var result = CliRunner.Run("ink", "score", "--pred", ink, "--truth", _truthPng, "--mask", _maskPng, "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0.5, result.Json.GetProperty("beta").GetDouble());
        Assert.Equal(Golden("fbeta"), result.Json.GetProperty("fbeta").GetDouble());
    }

    [Fact]
    public void Quantile_of_a_float64_array_equals_numpy()
    {
        var c = QuantileCase.Named("normal_f8");
        string path = TestData.PathOf("quantile", "normal_f8.values.npy");
        var args = new List<string> { "quantile", "--input", path, "--json", "-q" };
        args.AddRange(c.Qs.Select(q => q.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var result = CliRunner.Run([.. args]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("float64", result.Json.GetProperty("dtype").GetString());
        var actual = result.Json.GetProperty("quantiles").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        QuantileTests.AssertSameBits(c.Expected, actual, "engine quantile");
    }

    [Fact]
    public void Best_percentile_finds_the_golden_best()
    {
        var result = CliRunner.Run("best-percentile", "--probs", _probsNpy, "--truth", _truthPng, "--mask", _maskPng, "--json");
        Assert.Equal(0, result.ExitCode);
        var rows = InkMap.Sweep.GetProperty("masked").EnumerateArray().ToArray();
        var best = rows.MaxBy(r => r.GetProperty("fbeta").GetDouble());
        Assert.Equal(best.GetProperty("q").GetDouble(), result.Json.GetProperty("bestPercentile").GetDouble());
        Assert.Equal(best.GetProperty("fbeta").GetDouble(), result.Json.GetProperty("bestFBeta").GetDouble());
        Assert.Equal(20, result.Json.GetProperty("candidates").GetArrayLength());
    }

    [Fact]
    public void The_ilgpu_cpu_backend_gives_the_same_ink()
    {
        var cpu = CliRunner.Run("threshold", "--input", _probsNpy, "--mask", _maskPng, "--percentile", "0.9", "--out", _folder.File("a.npy"), "--json", "--backend", "cpu");
        var ilgpu = CliRunner.Run("threshold", "--input", _probsNpy, "--mask", _maskPng, "--percentile", "0.9", "--out", _folder.File("b.npy"), "--json", "--backend", "ilgpu-cpu");
        Assert.Equal(0, ilgpu.ExitCode);
        Assert.Equal("IlgpuCpu", ilgpu.Json.GetProperty("backend").GetString());
        Assert.Equal(cpu.Json.GetProperty("threshold").GetDouble(), ilgpu.Json.GetProperty("threshold").GetDouble());
        Assert.Equal(NpyFile.ReadBytes(_folder.File("a.npy")).Data, NpyFile.ReadBytes(_folder.File("b.npy")).Data);
    }

    [Fact]
    public void A_mask_of_another_size_is_one_line_naming_both_files()
    {
        string small = _folder.File("small.png");
        PngImage.Write(small, new byte[12], 4, 3);
        var result = CliRunner.Run("threshold", "--input", _probsNpy, "--mask", small, "--percentile", "0.93", "--out", _folder.File("ink.png"));
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains("small.png is 3 × 4", result.Error);
        Assert.Contains("probs.npy is 203 × 317", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
        Assert.False(File.Exists(_folder.File("ink.png")));
    }

    [Theory]
    [InlineData("93", "--percentile 93 is outside [0, 1]")]
    [InlineData("-0.5", "outside [0, 1]")]
    public void A_percentile_outside_zero_to_one_is_explained(string percentile, string message)
    {
        var result = CliRunner.Run("threshold", "--input", _probsNpy, "--percentile", percentile, "--out", _folder.File("ink.png"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void A_missing_file_is_one_line_naming_it()
    {
        var result = CliRunner.Run("threshold", "--input", _folder.File("nope.npy"), "--percentile", "0.9", "--out", _folder.File("ink.png"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nope.npy", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public void A_NaN_in_the_map_names_its_index()
    {
        var probs = (float[])InkMap.Probabilities.Clone();
        probs[1234] = float.NaN;
        string path = _folder.File("nan.npy");
        NpyFile.Write(path, probs, [Height, Width]);
        var result = CliRunner.Run("threshold", "--input", path, "--percentile", "0.9", "--out", _folder.File("ink.png"));
        Assert.Equal(1, result.ExitCode);
        // The file, the pixel and the CLI's flag, not the library's parameter name.
        Assert.Contains($"{path}: value 1234 (row {1234 / Width}, column {1234 % Width}) is NaN", result.Error);
        Assert.Contains("Pass --ignore-nan to skip NaNs", result.Error);
        Assert.DoesNotContain("ignoreNaN", result.Error);
        var skipped = CliRunner.Run("threshold", "--input", path, "--percentile", "0.9", "--out", _folder.File("ink.png"), "--ignore-nan");
        Assert.Equal(0, skipped.ExitCode);
    }

    [Fact]
    public void An_unknown_format_and_an_unknown_backend_are_explained()
    {
        var format = CliRunner.Run("threshold", "--input", _folder.File("probs.jpg"), "--percentile", "0.9", "--out", _folder.File("ink.png"));
        Assert.Equal(1, format.ExitCode);
        Assert.Contains("probs.jpg", format.Error);
        var backend = CliRunner.Run("threshold", "--input", _probsNpy, "--percentile", "0.9", "--out", _folder.File("ink.png"), "--backend", "tpu");
        Assert.Equal(1, backend.ExitCode);
        Assert.Contains("--backend tpu is not one of", backend.Error);
    }

    [Fact]
    public void A_missing_required_option_is_a_usage_error()
    {
        var result = CliRunner.Run("threshold", "--input", _probsNpy);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--percentile", result.Error);
    }

    [Theory]
    [InlineData("--step", "0")]
    [InlineData("--to", "1.5")]
    [InlineData("--from", "0.99")]
    public void Bad_candidate_ranges_are_explained(string option, string value)
    {
        var args = new List<string> { "best-percentile", "--probs", _probsNpy, "--truth", _truthPng, option, value };
        if (option == "--from")
            args.AddRange(["--to", "0.5"]);
        var result = CliRunner.Run([.. args]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not describe candidates in [0, 1]", result.Error);
    }

    [Fact]
    public void Fbeta_names_both_files_when_sizes_differ()
    {
        string small = _folder.File("small.png");
        PngImage.Write(small, new byte[12], 4, 3);
        var result = CliRunner.Run("fbeta", "--pred", small, "--truth", _truthPng);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("inklabels.png is 203 × 317", result.Error);
        Assert.Contains("small.png is 3 × 4", result.Error);
    }

    [Fact]
    public void Quantile_names_both_files_when_the_mask_length_differs()
    {
        string small = _folder.File("small.npy");
        NpyFile.Write(small, new byte[5], [5]);
        var result = CliRunner.Run("quantile", "--input", _probsNpy, "--mask", small, "-q", "0.5");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("small.npy has 5 pixels but", result.Error);
        Assert.Contains("probs.npy has 64351 values", result.Error);
    }
}
