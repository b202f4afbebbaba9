using Engine.IO;
using Engine.Torch.Ink;

namespace Engine.Torch.Tests.Ink;

public sealed class LabelDownsamplingTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "data", "ink", name);

    [Theory]
    [InlineData(InkLabelMode.Bilinear, 32, "bilinear_f32.npy")]
    [InlineData(InkLabelMode.Bilinear, 8, "bilinear_f8.npy")]
    [InlineData(InkLabelMode.Area, 32, "area_f32.npy")]
    [InlineData(InkLabelMode.Area, 8, "area_f8.npy")]
    public void Downsampled_labels_equal_torchs_interpolate_bit_for_bit(InkLabelMode mode, int factor, string golden)
    {
        var labels = NpyFile.ReadFloat32(Data("labels.npy"));
        var expected = NpyFile.ReadFloat32(Data(golden));
        var actual = new float[expected.Data.Length];

        LabelDownsampling.Downsample(labels.Data, 3, 96, 128, factor, mode, actual);

        Assert.Equal([3, 1, 96 / factor, 128 / factor], expected.Shape);
        Assert.Equal(expected.Data.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Bilinear_point_samples_two_by_two_pixels_where_area_averages_the_cell()
    {
        // One ink pixel at the far corner of a 64 × 64 tile: align_corners=True samples exactly there, so the corner
        // cell reads full ink; the area mean sees 1 of 1,024 pixels.
        var labels = new float[64 * 64];
        labels[^1] = 1;
        var bilinear = new float[4];
        var area = new float[4];
        LabelDownsampling.Downsample(labels, 1, 64, 64, 32, InkLabelMode.Bilinear, bilinear);
        LabelDownsampling.Downsample(labels, 1, 64, 64, 32, InkLabelMode.Area, area);

        Assert.Equal([0f, 0f, 0f, 1f], bilinear);
        Assert.Equal([0f, 0f, 0f, 1f / 1024], area);
    }

    [Fact]
    public void Sizes_that_do_not_fit_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LabelDownsampling.Downsample(new float[48 * 64], 1, 48, 64, 32, InkLabelMode.Area, new float[2]));
        Assert.Contains("labels has 10 values", Assert.Throws<ArgumentException>(() => LabelDownsampling.Downsample(new float[10], 1, 64, 64, 32, InkLabelMode.Area, new float[4])).Message);
        Assert.Contains("output has 3 values", Assert.Throws<ArgumentException>(() => LabelDownsampling.Downsample(new float[64 * 64], 1, 64, 64, 32, InkLabelMode.Area, new float[3])).Message);
    }
}
