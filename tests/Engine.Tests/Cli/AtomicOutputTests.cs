using Engine.IO;
using Engine.Search;

namespace Engine.Tests.Cli;

/// <summary>
/// Issue 12: a command that fails after it began writing leaves no new file (no temporary either) and every file
/// that was already at an output path byte for byte as it was.
/// </summary>
public sealed class AtomicOutputTests : IDisposable
{
    private const string Old = "an older output that must survive";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Stitching(string part) => TestData.PathOf("stitching", $"bilinear_ac_x32.{part}.npy");

    private string Existing(string name)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, Old);
        return path;
    }

    /// <summary>The folder holds exactly <paramref name="names"/> (so no temporary), and each of <paramref name="old"/> is unchanged.</summary>
    private void AssertLeftAsItWas(string[] names, params string[] old)
    {
        Assert.Equal(names.Order(), Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName).Order());
        foreach (string path in old)
            Assert.Equal(Old, File.ReadAllText(path));
    }

    /// <summary>The golden windows with one NaN in the last one: the stitcher fails after the earlier batches were added.</summary>
    private string PoisonedTiles()
    {
        var tiles = NpyFile.ReadFloat32(Stitching("preds"));
        tiles.Data[^1] = float.NaN;
        string path = _folder.File("tiles.npy");
        NpyFile.Write(path, tiles.Data, tiles.Shape);
        return path;
    }

    [Fact]
    public void Stitch_leaves_no_map_preview_or_overlay_after_a_NaN()
    {
        string tiles = PoisonedTiles();
        string map = Existing("map.npy"), png = Existing("map.png"), overlay = _folder.File("overlay.png");
        var result = CliRunner.Run("stitch", "--tiles", tiles, "--coords", Stitching("coords"), "--size", "300,290", "--factor", "32",
            "--out", map, "--png", png, "--overlay", overlay);
        HostileOptionTests.AssertOneLineError(result, "NaN");
        AssertLeftAsItWas(["tiles.npy", "map.npy", "map.png"], map, png);
    }

    [Fact]
    public void Stitch_in_bands_leaves_no_partial_npy()
    {
        // Windows out of raster order fail after the first bands were streamed to the file.
        var coords = NpyFile.ReadInt64(Stitching("coords"));
        var origins = coords.Data.ToArray();
        (origins[^2], origins[0]) = (origins[0], origins[^2]);
        string reversed = _folder.File("coords.npy");
        NpyFile.Write(reversed, origins, coords.Shape);
        string map = Existing("map.npy");
        var result = CliRunner.Run("stitch", "--tiles", Stitching("preds"), "--coords", reversed, "--size", "300,290", "--factor", "32",
            "--out", map, "--budget-mb", "5");
        HostileOptionTests.AssertOneLineError(result, "raster order");
        AssertLeftAsItWas(["coords.npy", "map.npy"], map);

        // And a fresh path gets nothing at all.
        string fresh = _folder.File("fresh.npy");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("stitch", "--tiles", Stitching("preds"), "--coords", reversed, "--size", "300,290",
            "--factor", "32", "--out", fresh, "--budget-mb", "5"), "raster order");
        AssertLeftAsItWas(["coords.npy", "map.npy"], map);
    }

    [Fact]
    public void Wbf_leaves_no_partial_json_after_a_score_of_1e308()
    {
        // Two images: the first fuses fine, the second's 1e308 × weight overflows to infinity, which JSON cannot hold.
        string input = _folder.File("boxes.json");
        File.WriteAllText(input, """
            [{"models":[{"boxes":[[0.1,0.1,0.2,0.2]],"scores":[0.9],"labels":[1]}]},
             {"models":[{"boxes":[[0.1,0.1,0.2,0.2]],"scores":[1e308],"labels":[1]},{"boxes":[[0.1,0.1,0.2,0.2]],"scores":[1e308],"labels":[1]}],"weights":[3,3]}]
            """);
        string output = Existing("fused.json");
        var result = CliRunner.Run("wbf", "--input", input, "--out", output, "--conf-type", "box_and_model_avg");
        // Named by the reader where it bounds scores, else before the writer: either way the input and the image.
        HostileOptionTests.AssertOneLineError(result, $"{input}: image 1");
        AssertLeftAsItWas(["boxes.json", "fused.json"], output);
    }

    [Fact]
    public void Volume_tile_leaves_no_header_only_npy_after_a_corrupt_slice()
    {
        string volume = _folder.File("volume");
        Directory.CreateDirectory(volume);
        foreach (string slice in Directory.GetFiles(TestData.PathOf("volumes", "tiffcp_deflate_predictor")))
            File.Copy(slice, Path.Combine(volume, Path.GetFileName(slice)));
        // The last slice's deflate stream garbled: the first slices decode, then the band fails.
        string last = Path.Combine(volume, "02.tif");
        var bytes = File.ReadAllBytes(last);
        bytes.AsSpan(bytes.Length / 3, 200).Fill(0xFF);
        File.WriteAllBytes(last, bytes);
        string mask = _folder.File("mask.npy");
        NpyFile.Write(mask, Enumerable.Repeat((byte)1, 45 * 70).ToArray(), [45, 70]);
        string tiles = Existing("tiles.npy"), coords = _folder.File("coords.npy");
        var result = CliRunner.Run("volume", "tile", volume, "--mask", mask, "--tile", "32", "--stride", "16", "--batch", "1",
            "--out", tiles, "--coords", coords);
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("   at ", result.Error);
        AssertLeftAsItWas(["volume", "mask.npy", "tiles.npy"], tiles);
    }

    [Fact]
    public void Knn_leaves_neither_array_when_the_second_cannot_be_written()
    {
        string emb = _folder.File("emb.npy");
        NpyFile.Write(emb, Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), [3, 4]);
        string ids = Existing("ids.npy");
        var result = CliRunner.Run("knn", "--database", emb, "--queries", emb, "-k", "2", "--out-ids", ids,
            "--out-scores", _folder.File(Path.Combine("missing-folder", "scores.npy")));
        HostileOptionTests.AssertOneLineError(result, "missing-folder");
        AssertLeftAsItWas(["emb.npy", "ids.npy"], ids);
    }

    [Fact]
    public void Threshold_leaves_the_old_mask_after_a_NaN()
    {
        string map = _folder.File("map.npy");
        NpyFile.Write(map, [0.1f, float.NaN, 0.3f, 0.4f], [2, 2]);
        string ink = Existing("ink.png");
        var result = CliRunner.Run("threshold", "--input", map, "--percentile", "0.5", "--out", ink);
        HostileOptionTests.AssertOneLineError(result, "NaN");
        AssertLeftAsItWas(["map.npy", "ink.png"], ink);
    }

    [Fact]
    public void An_atomic_file_disposed_uncommitted_leaves_nothing()
    {
        string target = Existing("x.npy");
        using (var file = AtomicFile.Create(target))
        {
            file.Stream.Write([1, 2, 3]);
            Assert.StartsWith(".x.npy.", Path.GetFileName(file.TemporaryPath));
            Assert.EndsWith(".tmp.npy", file.TemporaryPath);
        }
        AssertLeftAsItWas(["x.npy"], target);
        AtomicFile.Write(target, s => s.Write("new"u8));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(_folder.File("y.npy"), _ => throw new InvalidOperationException()));
        Assert.Equal(["x.npy"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));

        using (var set = new AtomicFileSet())
        {
            set.CreateFolder(_folder.File(Path.Combine("a", "b")));
            NpyFile.Write(set.Stage(_folder.File(Path.Combine("a", "b", "c.npy"))), [1f], [1]);
            NpyFile.Write(set.Stage(target), [1f], [1]);
        }
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Equal(["x.npy"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Index_save_is_atomic_and_index_files_are_checked()
    {
        using var index = new CosineIndex(4, normalize: true);
        index.Add(Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i)).ToArray(), Enumerable.Range(0, 10).Select(i => 100L + i).ToArray());
        string path = _folder.File("a.index");
        index.Save(path);
        Assert.Equal(["a.index"], Directory.GetFileSystemEntries(_folder.Path).Select(Path.GetFileName));
        using (var loaded = CosineIndex.Load(path))
            Assert.Equal(index.Search(new float[] { 1, 0, 0, 0 }, 3).Ids, loaded.Search(new float[] { 1, 0, 0, 0 }, 3).Ids);

        foreach (var (name, bytes, expected) in Engine.Tests.Search.CosineIndexFileTests.Hostile(File.ReadAllBytes(path)))
        {
            string variant = _folder.File(name);
            File.WriteAllBytes(variant, bytes);
            var e = Assert.Throws<InvalidDataException>(() => CosineIndex.Load(variant));
            Assert.Contains(variant, e.Message);
            Assert.Contains(expected, e.Message);
        }
    }
}
