using Engine.IO;

namespace Engine.Tests.Cli;

/// <summary>
/// Issue 12: numeric options out of range, products that overflow and sizes over the memory there is are one
/// line naming the flag, exit code 1, never a .NET trace — one case per class of option.
/// </summary>
public sealed class HostileOptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Stitching(string part) => TestData.PathOf("stitching", $"bilinear_ac_x32.{part}.npy");

    /// <summary>Exit 1, exactly one "engine: error:" line holding <paramref name="expected"/>, and nothing a trace would print.</summary>
    internal static void AssertOneLineError(CliRunner.Result result, string expected)
    {
        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}: {result.Error}");
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("engine: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("Exception", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Theory]
    // Sizes: products past any array, and past the memory there is.
    [InlineData("--size 100000,100000", "--size 100000,100000 is 10,000,000,000 pixels")]
    [InlineData("--size 2147483647,1", "--size 2147483647,1 is 2,147,483,647 pixels")]
    [InlineData("--size 46000,46000 --png PNG", "--size 46000,46000 (held in memory) needs")]
    [InlineData("--size 99999999999,1", "--size 99999999999,1 is not H,W")]
    // Factors: the window (tile × factor) overflows int.
    [InlineData("--factor 2147483647", "--factor 2147483647 is outside 1 … 65536")]
    [InlineData("--factor 16384", "--factor 16384 makes the 8 × 8 windows")]
    // Budgets: zero, more than the machine has, too small for one band.
    [InlineData("--budget-mb 0", "--budget-mb 0 must be at least 1")]
    [InlineData("--budget-mb 2147483647", "--budget-mb 2147483647 needs")]
    [InlineData("--size 300,1000000 --budget-mb 1", "--budget-mb 1 cannot hold bands of one window (256 rows)")]
    // Thresholds and shapes.
    [InlineData("--overlay-threshold 1.5", "--overlay-threshold 1.5 is not a probability in [0, 1]")]
    [InlineData("--sigma-scale -1", "--sigma-scale -1 must be a positive number")]
    [InlineData("--inner 0", "--inner 0 is outside 1 … 65536")]
    public void Stitch_options(string options, string expected)
    {
        string[] args = ["stitch", "--tiles", Stitching("preds"), "--coords", Stitching("coords"), "--size", "300,290", "--factor", "32",
            "--out", _folder.File("map.npy")];
        var more = options.Split(' ');
        // A later --size or --factor wins over the defaults above.
        var list = args.ToList();
        for (int i = 0; i < more.Length; i += 2)
        {
            int at = list.IndexOf(more[i]);
            string value = more[i + 1] == "PNG" ? _folder.File("map.png") : more[i + 1];
            if (at >= 0)
                list[at + 1] = value;
            else
                list.AddRange([more[i], value]);
        }
        AssertOneLineError(CliRunner.Run([.. list]), expected);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void Counts_fractions_betas_and_budgets_of_the_other_commands()
    {
        string map = _folder.File("map.npy"), mask = _folder.File("mask.npy"), emb = _folder.File("emb.npy");
        NpyFile.Write(map, new float[16], [4, 4]);
        NpyFile.Write(mask, new byte[16], [4, 4]);
        NpyFile.Write(emb, new float[8], [2, 4]);
        string volume = TestData.PathOf("volumes", "tiffcp_lzw");

        // Counts.
        AssertOneLineError(CliRunner.Run("knn", "--database", emb, "--queries", emb, "-k", "0"), "-k 0 is out of range");
        AssertOneLineError(CliRunner.Run("volume", "tile", volume, "--mask", mask, "--batch", "0"), "--batch 0 must be at least 1");
        AssertOneLineError(CliRunner.Run("volume", "tile", volume, "--mask", mask, "--stride", "-5"), "--stride -5 must be at least 1");
        AssertOneLineError(CliRunner.Run("volume", "tile", volume, "--mask", mask, "--limit", "0"), "--limit 0 must be at least 1");
        AssertOneLineError(CliRunner.Run("ink", "train", "--fragment", _folder.Path, "--out", _folder.File("m"), "--epochs", "0"), "--epochs 0 is outside 1 … 100000");
        AssertOneLineError(CliRunner.Run("ink", "train", "--fragment", _folder.Path, "--out", _folder.File("m"), "--batch", "2147483647"), "--batch 2147483647 is outside 1 … 65536");
        AssertOneLineError(CliRunner.Run("ink", "train", "--fragment", _folder.Path, "--out", _folder.File("m"), "--batch", "65536", "--tile", "8192"), "--batch 65536 of");
        AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", _folder.Path, "--model", _folder.Path, "--out", _folder.File("o"), "--stride", "0"), "--stride 0 is outside 1 … 65536");
        AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", _folder.Path, "--model", _folder.Path, "--out", _folder.File("o"), "--batch", "0"), "--batch 0 is outside");
        AssertOneLineError(CliRunner.Run("best-percentile", "--probs", map, "--truth", mask, "--step", "1e-300"), "--step 1E-300 makes");

        // Fractions.
        AssertOneLineError(CliRunner.Run("threshold", "--input", map, "--percentile", "1.5", "--out", _folder.File("ink.png")), "--percentile 1.5 is outside [0, 1]");
        AssertOneLineError(CliRunner.Run("quantile", "--input", map, "-q", "2"), "-q 2 is not a fraction in [0, 1]");
        AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", _folder.Path, "--model", _folder.Path, "--out", _folder.File("o"), "--percentile", "-0.1"), "--percentile -0.1 is not a quantile in [0, 1]");
        AssertOneLineError(CliRunner.Run("wbf", "--input", map, "--out", _folder.File("o.json"), "--iou-thr", "7"), "--iou-thr 7 is not a fraction in [0, 1]");

        // Thresholds, betas, weights.
        AssertOneLineError(CliRunner.Run("knn", "--database", emb, "--queries", emb, "--labels", map, "--new-individual-threshold", "NaN"), "--new-individual-threshold NaN is not a finite score");
        AssertOneLineError(CliRunner.Run("fbeta", "--pred", mask, "--truth", mask, "--beta", "-1"), "--beta -1 must be a positive number");
        AssertOneLineError(CliRunner.Run("wbf", "--input", map, "--out", _folder.File("o.json"), "--weights", "1,Infinity"), "'Infinity' is not a number");

        // Budgets.
        AssertOneLineError(CliRunner.Run("volume", "tile", volume, "--mask", mask, "--memory", "0"), "--memory 0 is not a byte count");
        AssertOneLineError(CliRunner.Run("volume", "tile", volume, "--mask", mask, "--memory", "99999999999G"), "--memory 99999999999G is not a byte count");
        AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", _folder.Path, "--model", _folder.Path, "--out", _folder.File("o"), "--memory", "-1"), "--memory -1 is not a byte count");
        Assert.False(File.Exists(_folder.File("ink.png")) || File.Exists(_folder.File("o.json")) || Directory.Exists(_folder.File("o")) || Directory.Exists(_folder.File("m")));
    }

    [Fact]
    public void A_message_with_control_characters_stays_on_one_line() =>
        Assert.Equal("a b c \\x0C d", Engine.Cli.CommandLine.OneLine("a\nb\r\nc \f d\n"));
}
