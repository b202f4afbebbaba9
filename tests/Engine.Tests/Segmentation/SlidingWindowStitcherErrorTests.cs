using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

public class SlidingWindowStitcherErrorTests
{
    private static SlidingWindowStitcher Stitcher(StitchOptions? options = null) => new(20, 30, 2, 2, options ?? new StitchOptions { Factor = 4 });

    [Theory]
    [InlineData(20, 0, "window 0's origin (y 20, x 0) is outside the 20 × 30 map")]
    [InlineData(-1, 0, "window 0's origin (y -1, x 0) is outside")]
    [InlineData(0, 30, "(y 0, x 30) is outside")]
    public void Origins_outside_the_map_are_named(int y, int x, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Stitcher().Add(new float[4], [y, x]));
        Assert.Contains(message, e.Message);
        Assert.Equal("origins", e.ParamName);
    }

    [Fact]
    public void Mismatched_shapes_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Stitcher().Add(new float[7], [0, 0, 4, 4]));
        Assert.Contains("predictions has 7 values but 2 windows of 2 × 2 need 8", e.Message);
        e = Assert.Throws<ArgumentException>(() => Stitcher().Add(new float[4], [0, 0, 4]));
        Assert.Contains("origins has 3 values; it must hold (y, x) pairs", e.Message);
        e = Assert.Throws<ArgumentException>(() => Stitcher().Finish(new byte[7]));
        Assert.Contains("mask has 7 values but the map is 20 × 30 = 600", e.Message);
        e = Assert.Throws<ArgumentException>(() => Stitcher(new StitchOptions { Factor = 4, Weights = new float[10] }));
        Assert.Contains("Weights has 10 values but the window is 8 × 8 = 64", e.Message);
    }

    [Fact]
    public void A_nan_prediction_is_named_with_its_window_and_pixel()
    {
        var predictions = new float[3 * 4];
        predictions[2 * 4 + 3] = float.NaN;
        var stitcher = Stitcher();
        var e = Assert.Throws<ArgumentException>(() => stitcher.Add(predictions, [0, 0, 0, 4, 0, 8]));
        Assert.Contains("prediction 2 is NaN at row 1, column 1", e.Message);
        // Nothing of the rejected batch was accumulated.
        Assert.Equal(0, stitcher.WindowCount);
        Assert.All(stitcher.Finish(), v => Assert.Equal(0f, v));
        // A NaN past the first vector is found too.
        var many = new float[40 * 4];
        many[37 * 4] = float.NaN;
        var origins = new int[80];
        e = Assert.Throws<ArgumentException>(() => Stitcher().Add(many, origins));
        Assert.Contains("prediction 37 is NaN at row 0, column 0", e.Message);
    }

    [Fact]
    public void Bad_options_are_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Stitcher(new StitchOptions { Factor = 0 }));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Stitcher(new StitchOptions { Factor = 4, Inner = 9 }));
        Assert.Contains("Inner 9 must be between 1 and the window size 8 × 8", e.Message);
        var fast = new StitchOptions { Factor = 4, UpsampleMode = StitchUpsampleMode.Fast };
        var a = Assert.Throws<ArgumentException>(() => Stitcher(fast with { Inner = 6 }));
        Assert.Contains("Inner 6 must be a multiple of the factor 4", a.Message);
        a = Assert.Throws<ArgumentException>(() => Stitcher(fast).Add(new float[4], [2, 4]));
        Assert.Contains("(y 2, x 4) is not a multiple of the factor 4", a.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindowStitcher(0, 5, 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => StitchWeights.Gaussian(8, 8, double.NaN));
    }
}
