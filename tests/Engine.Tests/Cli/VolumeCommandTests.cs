using Engine.IO;
using Engine.Tests.Volumes;

namespace Engine.Tests.Cli;

/// <summary>engine volume info / tile on the golden TIFFs, checked against tifffile's layout and numpy's tiles.</summary>
public sealed class VolumeCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _mask;

    public VolumeCommandTests()
    {
        // The end-to-end mask as a PNG, the format fragments come with.
        var mask = NpyFile.ReadBytes(VolumeData.PathOf("tiles_mask.npy"));
        _mask = _folder.File("mask.png");
        MapFile.WriteMask(_mask, new GrayImage<byte>(mask.Shape[1], mask.Shape[0], mask.Data));
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Info_reports_the_layout_of_a_tiled_bigtiff_and_a_multipage_file()
    {
        var result = CliRunner.Run("volume", "info", VolumeData.PathOf("tiffcp_tiled_deflate"), "--json");
        Assert.Equal(0, result.ExitCode);
        var json = result.Json;
        Assert.Equal((3, 70, 45, "uint16", "tiled", 16, 32, 10), (json.GetProperty("slices").GetInt32(), json.GetProperty("width").GetInt32(),
            json.GetProperty("height").GetInt32(), json.GetProperty("dtype").GetString(), json.GetProperty("layout").GetString(),
            json.GetProperty("blockWidth").GetInt32(), json.GetProperty("blockHeight").GetInt32(), json.GetProperty("blocksPerSlice").GetInt32()));
        Assert.Equal("adobe_deflate", json.GetProperty("compression")[0].GetString());
        Assert.Equal(3L * 70 * 45 * 2, json.GetProperty("uncompressedBytes").GetInt64());

        result = CliRunner.Run("volume", "info", VolumeData.PathOf("tiffcp_bigtiff"), "--slices", "1..2");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("2 of 3 slices (1..2)", result.Output);
        Assert.Contains("lzw", result.Output);
        Assert.Contains("BigTIFF", result.Output);

        result = CliRunner.Run("volume", "info", VolumeData.PathOf("tifffile_multipage.tif"));
        Assert.Contains("as pages of one file", result.Output);
    }

    [Theory]
    [InlineData("tifffile_plain")]
    [InlineData("tiffcp_tiled")]
    [InlineData("tifffile_multipage.tif")]
    public void Tile_writes_numpys_normalized_tiles_and_origins(string source)
    {
        string tiles = _folder.File("tiles.npy"), coords = _folder.File("coords.npy");
        var result = CliRunner.Run("volume", "tile", VolumeData.PathOf(source), "--mask", _mask, "--tile", "32", "--stride", "16",
            "--scale", "65535", "--normalize", "--batch", "3", "--out", tiles, "--coords", coords, "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(8, result.Json.GetProperty("tiles").GetInt32());
        var written = NpyFile.ReadFloat32(tiles);
        Assert.Equal([8, 3, 32, 32], written.Shape);
        NormalizationCase.AssertWithinOneUlp(NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, written.Data, source);
        var origins = NpyFile.ReadInt32(coords);
        Assert.Equal([8, 2], origins.Shape);
        Assert.Equal(NpyFile.ReadInt32(VolumeData.PathOf("tiles_coords.npy")).Data, origins.Data);
    }

    [Fact]
    public void Tile_normalizes_on_the_gpu_kernels_too()
    {
        // ilgpu-cpu runs PatchNormalizationKernel on ILGPU's CPU emulator, as --backend cuda runs it on a GPU.
        string tiles = _folder.File("device.npy");
        var result = CliRunner.Run("volume", "tile", VolumeData.PathOf("tiffcp_lzw"), "--mask", _mask, "--tile", "32", "--stride", "16",
            "--scale", "65535", "--normalize", "--out", tiles, "--backend", "ilgpu-cpu", "--json");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ILGPU CPU emulator", result.Json.GetProperty("backend").GetString());
        NormalizationCase.AssertWithinOneUlp(NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, NpyFile.ReadFloat32(tiles).Data, "ilgpu-cpu");
    }

    [Fact]
    public void Tile_builds_a_cache_once_and_reads_it_afterwards()
    {
        string cache = _folder.File("cache"), tiles = _folder.File("cached.npy");
        string[] args = ["volume", "tile", VolumeData.PathOf("tiffcp_deflate_predictor"), "--mask", _mask, "--tile", "32", "--stride", "16",
            "--scale", "65535", "--normalize", "--cache", cache, "--out", tiles, "--json"];
        Assert.Equal(0, CliRunner.Run(args).ExitCode);
        var built = File.GetLastWriteTimeUtc(Path.Combine(cache, "chunks.bin"));
        var result = CliRunner.Run(args);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(cache, result.Json.GetProperty("cache").GetString());
        Assert.Equal(built, File.GetLastWriteTimeUtc(Path.Combine(cache, "chunks.bin")));
        NormalizationCase.AssertWithinOneUlp(NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, NpyFile.ReadFloat32(tiles).Data, "cached");

        result = CliRunner.Run("volume", "tile", VolumeData.PathOf("tiffcp_deflate_predictor"), "--mask", _mask, "--slices", "1..2", "--cache", cache);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not 1..2", result.Error);
    }

    [Fact]
    public void Tile_with_a_limit_and_a_slice_range_prints_counts_and_throughput()
    {
        string tiles = _folder.File("few.npy");
        var result = CliRunner.Run("volume", "tile", VolumeData.PathOf("tiffcp_lzw"), "--mask", _mask, "--tile", "32", "--stride", "16",
            "--slices", "1..2", "--limit", "5", "--out", tiles);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("5 tiles of 2 × 32 × 32 (8 in the grid over the mask)", result.Output);
        Assert.Contains("tiles/s", result.Output);
        var written = NpyFile.ReadFloat32(tiles);
        Assert.Equal([5, 2, 32, 32], written.Shape);
        // Raw scale: the first tile's first row of slice 1 is the slice's row at the tile's origin.
        var origin = NpyFile.ReadInt32(VolumeData.PathOf("tiles_coords.npy")).Data;
        var slice = VolumeData.ExpectedSlice(1);
        for (int x = 0; x < 32; x++)
            Assert.Equal(slice[origin[0] * VolumeData.Width + origin[1] + x], written.Data[x]);
    }

    [Fact]
    public void A_mask_of_another_size_is_an_error_naming_it()
    {
        string small = _folder.File("small.png");
        MapFile.WriteMask(small, new GrayImage<byte>(69, 45, new byte[69 * 45]));
        var result = CliRunner.Run("volume", "tile", VolumeData.PathOf("tiffcp_lzw"), "--mask", small);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains($"{small} is 69×45 px but the slices", result.Error);
    }

    [Theory]
    [InlineData("--scale", "1000", "--scale 1000 is not one of raw, 65535, 255")]
    [InlineData("--keep", "most", "--keep most is not one of any, all")]
    [InlineData("--slices", "9..3", "ends before it starts")]
    [InlineData("--slices", "0..3", "reaches past")]
    [InlineData("--memory", "lots", "--memory lots is not a byte count")]
    [InlineData("--memory", "100K", "is too small")]
    [InlineData("--stride", "0", "--stride 0 must be at least 1")]
    public void Bad_options_are_one_line_errors(string option, string value, string message)
    {
        var result = CliRunner.Run("volume", "tile", VolumeData.PathOf("tiffcp_lzw"), "--mask", _mask, "--tile", "32", option, value);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.Contains(message, result.Error);
        // The library's parameter name (e.g. SliceRange.Parse's "text") means nothing to a user of the command.
        Assert.DoesNotContain("(Parameter '", result.Error);
    }

    [Fact]
    public void Broken_volumes_are_one_line_errors_naming_the_file()
    {
        string volume = _folder.File("volume");
        VolumeData.CopyFolder(VolumeData.PathOf("tiffcp_lzw"), volume);
        File.WriteAllBytes(Path.Combine(volume, "01.tif"), "II*\0garbage"u8.ToArray());
        var result = CliRunner.Run("volume", "info", volume);
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"engine: error: {Path.Combine(volume, "01.tif")} is truncated or corrupt", result.Error);

        File.Delete(Path.Combine(volume, "01.tif"));
        result = CliRunner.Run("volume", "tile", volume, "--mask", _mask);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is missing slice 1", result.Error);

        result = CliRunner.Run("volume", "info", VolumeData.PathOf("rgb.tif"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("rgb.tif has 3 samples per pixel", result.Error);
    }
}
