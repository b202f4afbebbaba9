using Engine.IO;
using Engine.Tests.Segmentation;

namespace Engine.Tests.Cli;

/// <summary>engine stitch on the golden cases' files, checked against the numpy/torch loop.</summary>
public sealed class StitchCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Data(string name, string part) => TestData.PathOf("stitching", $"{name}.{part}.npy");

    private static string[] Args(StitchCase c, string output, params string[] more) =>
    [
        "stitch", "--tiles", Data(c.Name, "preds"), "--coords", Data(c.Name, "coords"),
        "--size", $"{c.Height},{c.Width}", "--factor", c.Options.Factor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--out", output, .. more,
    ];

    [Fact]
    public void Writes_the_python_loops_map_as_npy_tiff_png_and_overlay()
    {
        var c = StitchCase.Named("bilinear_ac_x32");
        string npy = _folder.File("prob.npy"), tif = _folder.File("prob.tif"), png = _folder.File("prob.png"), overlay = _folder.File("overlay.png");
        var result = CliRunner.Run(Args(c, npy, "--align-corners", "true", "--png", png, "--overlay", overlay, "--json"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(c.Origins.Length / 2, result.Json.GetProperty("windows").GetInt32());
        var map = NpyFile.ReadFloat32(npy);
        Assert.Equal([c.Height, c.Width], map.Shape);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, map.Data, "stitch --out .npy");

        Assert.Equal(0, CliRunner.Run(Args(c, tif)).ExitCode);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, TiffImage.Read(tif).Pixels, "stitch --out .tif");

        var preview = PngImage.Read(png);
        Assert.Equal((c.Width, c.Height), (preview.Width, preview.Height));
        int brightest = Array.IndexOf(c.Expected, c.Expected.Max());
        Assert.Equal((byte)MathF.Round(c.Expected[brightest] * 255f, MidpointRounding.AwayFromZero), preview.Pixels[brightest]);
        Assert.True(new FileInfo(overlay).Length > 100);
    }

    [Theory]
    [InlineData("inner_keep_edges_x4", "--inner", "10", "--keep-edges")]
    [InlineData("masked_x4", "--mask", "MASK")]
    [InlineData("fast_x4_masked", "--upsample", "fast", "--align-corners", "false", "--mask", "MASK")]
    [InlineData("nearest_x3", "--upsampling", "nearest")]
    [InlineData("uncovered_nan", "--uncovered", "nan")]
    [InlineData("masked_x4", "--mask", "MASK", "--backend", "ilgpu-cpu")]
    [InlineData("inner_keep_edges_overhang", "--inner", "8", "--keep-edges", "--budget-mb", "1")]
    [InlineData("uncovered_nan_masked", "--uncovered", "nan", "--mask", "MASK", "--budget-mb", "1")]
    public void Options_reproduce_the_python_loop_bit_for_bit(string name, params string[] options)
    {
        var c = StitchCase.Named(name);
        string npy = _folder.File("prob.npy");
        var more = options.Select(o => o == "MASK" ? Data(name, "mask") : o).ToArray();
        var result = CliRunner.Run(Args(c, npy, more));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"into {c.Height} × {c.Width}", result.Output);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, NpyFile.ReadFloat32(npy).Data, name);
    }

    [Fact]
    public void Accepts_predictions_with_a_channel_axis_and_int64_origins()
    {
        var c = StitchCase.Named("bilinear_x4");
        string tiles = _folder.File("tiles.npy"), coords = _folder.File("coords.npy"), npy = _folder.File("prob.npy");
        NpyFile.Write(tiles, c.Predictions, [c.Origins.Length / 2, 1, c.TileHeight, c.TileWidth]);
        NpyFile.Write(coords, c.Origins.Select(v => (long)v).ToArray(), [c.Origins.Length / 2, 2]);
        var result = CliRunner.Run("stitch", "--tiles", tiles, "--coords", coords, "--size", $"{c.Height},{c.Width}", "--factor", "4",
            "--align-corners", "false", "--out", npy);
        Assert.True(result.ExitCode == 0, result.Error);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, NpyFile.ReadFloat32(npy).Data, "(N, 1, h, w)");
    }

    [Fact]
    public void Bad_input_gets_one_line_naming_the_problem()
    {
        var c = StitchCase.Named("bilinear_ac_x4");
        string npy = _folder.File("prob.npy");
        void Fails(string expected, params string[] args)
        {
            var result = CliRunner.Run(args);
            Assert.Equal(1, result.ExitCode);
            Assert.StartsWith("engine: error: ", result.Error);
            Assert.Contains(expected, result.Error);
        }

        // The map is smaller than the windows' origins.
        Fails("is outside the 10 × 31 map", ["stitch", "--tiles", Data(c.Name, "preds"), "--coords", Data(c.Name, "coords"), "--size", "10,31", "--factor", "4", "--out", npy]);
        Fails("--size 29x31 is not H,W", Args(c, npy).Select(a => a == "29,31" ? "29x31" : a).ToArray());
        Fails("--upsample sideways is not one of per-tile, fast", Args(c, npy, "--upsample", "sideways"));
        Fails("--align-corners maybe is not one of true, false", Args(c, npy, "--align-corners", "maybe"));
        Fails("the map is written as .tif, .tiff or .npy", Args(c, _folder.File("prob.png")));
        Fails("--keep-edges needs --inner", Args(c, npy, "--keep-edges"));
        Fails("--budget-mb streams the map to a .npy --out band by band", Args(c, npy, "--budget-mb", "1", "--png", _folder.File("p.png")));
        Fails("--budget-mb 1 cannot hold bands of one window (12 rows) over the 100000 columns of --size 29,100000; give at least --budget-mb 69", ["stitch", "--tiles", Data(c.Name, "preds"), "--coords", Data(c.Name, "coords"), "--size", "29,100000", "--factor", "4", "--out", npy, "--budget-mb", "1"]);
        Fails("--factor 0 is outside 1 … 65536", Args(c, npy).Select(a => a == "4" ? "0" : a).ToArray());

        string mask = _folder.File("mask.npy");
        NpyFile.Write(mask, new byte[12], [3, 4]);
        Fails("is 3 × 4 (height × width) but --size is 29,31", Args(c, npy, "--mask", mask));

        string coords = _folder.File("coords.npy");
        NpyFile.Write(coords, new int[6], [3, 2]);
        Fails($"holds 3 origins but {Data(c.Name, "preds")} holds {c.Origins.Length / 2} windows", Args(c, npy).Select(a => a == Data(c.Name, "coords") ? coords : a).ToArray());
        NpyFile.Write(coords, new int[6], [2, 3]);
        Fails("window origins must be (N, 2)", Args(c, npy).Select(a => a == Data(c.Name, "coords") ? coords : a).ToArray());

        string tiles = _folder.File("tiles.npy");
        var predictions = c.Predictions;
        NpyFile.Write(tiles, predictions, [predictions.Length]);
        Fails("window predictions must be (N, h, w) or (N, 1, h, w)", Args(c, npy).Select(a => a == Data(c.Name, "preds") ? tiles : a).ToArray());
        predictions[9 * 5 + 4] = float.NaN;
        NpyFile.Write(tiles, predictions, [c.Origins.Length / 2, 3, 3]);
        Fails($"{tiles}: window 5 is NaN at row 1, column 1", Args(c, npy).Select(a => a == Data(c.Name, "preds") ? tiles : a).ToArray());
    }
}
