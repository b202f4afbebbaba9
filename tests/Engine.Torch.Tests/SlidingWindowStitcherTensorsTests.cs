using Engine.Segmentation;
using static TorchSharp.torch;

namespace Engine.Torch.Tests;

public sealed class SlidingWindowStitcherTensorsTests
{
    [Fact]
    public void Tensors_stitch_like_spans()
    {
        TorchRuntime.EnsureLoaded();
        var random = new Random(4);
        var predictions = Enumerable.Range(0, 6 * 16).Select(_ => (float)random.NextDouble()).ToArray();
        int[] origins = [0, 0, 0, 8, 8, 0, 8, 8, 4, 4, 12, 12];
        var options = new StitchOptions { Factor = 4 };
        var spans = SlidingWindowStitcher.Stitch(predictions, origins, 24, 24, 4, 4, options);

        var stitcher = new SlidingWindowStitcher(24, 24, 4, 4, options);
        using var p = tensor(predictions, [6, 1, 4, 4]);
        using var o = tensor(origins.Select(v => (long)v).ToArray(), [6, 2]);
        stitcher.Add(p, o);
        Assert.Equal(spans, stitcher.Finish());
    }

    [Fact]
    public void Bad_shapes_are_named()
    {
        TorchRuntime.EnsureLoaded();
        var stitcher = new SlidingWindowStitcher(24, 24, 4, 4);
        using var wrong = zeros(2, 3, 4, 4);
        using var origins = zeros(new long[] { 2, 2 }, ScalarType.Int64);
        var e = Assert.Throws<ArgumentException>(() => stitcher.Add(wrong, origins));
        Assert.Contains("the stitcher takes (N, 4, 4) or (N, 1, 4, 4)", e.Message);
        using var right = zeros(2, 4, 4);
        using var floats = zeros(2, 2);
        e = Assert.Throws<ArgumentException>(() => stitcher.Add(right, floats));
        Assert.Contains("window origins are integers", e.Message);
        using var three = zeros(new long[] { 3, 2 }, ScalarType.Int32);
        e = Assert.Throws<ArgumentException>(() => stitcher.Add(right, three));
        Assert.Contains("it must be (2, 2) of (y, x)", e.Message);
    }
}
