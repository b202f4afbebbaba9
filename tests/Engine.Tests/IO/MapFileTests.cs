using Engine.IO;

namespace Engine.Tests.IO;

public sealed class MapFileTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_png_probability_map_is_scaled_to_zero_one()
    {
        string path = _folder.File("p.png");
        PngImage.Write(path, [0, 51, 255, 128], 2, 2);
        var map = MapFile.ReadProbabilities(path);
        Assert.Equal((2, 2), (map.Width, map.Height));
        Assert.Equal([0f, 51 / 255f, 1f, 128 / 255f], map.Pixels);
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, 3, 2)]
    [InlineData(new[] { 1, 2, 3 }, 3, 2)]
    [InlineData(new[] { 6 }, 6, 1)]
    public void An_npy_map_may_be_2d_or_carry_a_leading_1_or_be_one_row(int[] shape, int width, int height)
    {
        string path = _folder.File("p.npy");
        NpyFile.Write(path, new float[] { 0, 1, 2, 3, 4, 5 }, shape);
        var map = MapFile.ReadProbabilities(path);
        Assert.Equal((width, height), (map.Width, map.Height));
    }

    [Fact]
    public void Another_shape_is_an_error_naming_the_file_and_shape()
    {
        string path = _folder.File("p.npy");
        NpyFile.Write(path, new float[8], [2, 2, 2]);
        var error = Assert.Throws<NotSupportedException>(() => MapFile.ReadProbabilities(path));
        Assert.Contains("p.npy holds an array of shape (2, 2, 2)", error.Message);
    }

    [Fact]
    public void A_mask_reads_as_zero_or_one_from_any_format()
    {
        var values = new float[] { 0, 0.5f, 3, 0, -1, 0 };
        string npyFloat = _folder.File("m.npy"), npyBytes = _folder.File("b.npy"), tif = _folder.File("m.tif"), png = _folder.File("m.png");
        NpyFile.Write(npyFloat, values, [2, 3]);
        NpyFile.Write(npyBytes, new byte[] { 0, 7, 255, 0, 1, 0 }, [2, 3]);
        TiffImage.Write(tif, values, 3, 2);
        PngImage.Write(png, [0, 7, 255, 0, 1, 0], 3, 2);
        byte[] expected = [0, 1, 1, 0, 1, 0];
        foreach (string path in new[] { npyFloat, npyBytes, tif, png })
            Assert.Equal(expected, MapFile.ReadMask(path).Pixels);
    }

    [Fact]
    public void Masks_are_written_as_0_255_png_or_0_1_npy()
    {
        var mask = new GrayImage<byte>(3, 1, [0, 1, 9]);
        MapFile.WriteMask(_folder.File("m.png"), mask);
        MapFile.WriteMask(_folder.File("m.npy"), mask);
        Assert.Equal([0, 255, 255], PngImage.Read(_folder.File("m.png")).Pixels);
        Assert.Equal([0, 1, 1], NpyFile.ReadBytes(_folder.File("m.npy")).Data);
        Assert.Throws<NotSupportedException>(() => MapFile.WriteMask(_folder.File("m.tif"), mask));
    }

    [Fact]
    public void Probability_maps_round_trip_through_npy_and_tiff()
    {
        var map = new GrayImage<float>(2, 2, [0.25f, 0.5f, 0.75f, 1f]);
        foreach (string name in new[] { "p.npy", "p.tif" })
        {
            MapFile.WriteProbabilities(_folder.File(name), map);
            Assert.Equal(map.Pixels, MapFile.ReadProbabilities(_folder.File(name)).Pixels);
        }
        MapFile.WriteProbabilities(_folder.File("p.png"), map);
        Assert.Equal([64, 128, 191, 255], PngImage.Read(_folder.File("p.png")).Pixels);
    }

    [Fact]
    public void A_float64_npy_keeps_its_precision_for_quantiles()
    {
        string path = _folder.File("d.npy");
        NpyFile.Write(path, new double[] { 0.1, 0.2 }, [2]);
        var (floats, doubles) = MapFile.ReadValues(path);
        Assert.Null(floats);
        Assert.Equal([0.1, 0.2], doubles!);
    }

    [Fact]
    public void An_unknown_extension_and_a_size_mismatch_are_errors_naming_the_files()
    {
        Assert.Contains("unknown map format '.jpg'", Assert.Throws<NotSupportedException>(() => MapFile.ReadMask(_folder.File("x.jpg"))).Message);
        Assert.Contains("unknown map format '.bmp'", Assert.Throws<NotSupportedException>(() => MapFile.WriteProbabilities(_folder.File("x.bmp"), new GrayImage<float>(1, 1, [0f]))).Message);
        var error = Assert.Throws<ArgumentException>(() => MapFile.RequireSameSize(
            new GrayImage<float>(4, 3, new float[12]), "probs.npy", new GrayImage<byte>(2, 2, new byte[4]), "mask.png"));
        Assert.Equal("mask.png is 2 × 2 (height × width) but probs.npy is 3 × 4; they must be the same size.", error.Message);
    }
}
