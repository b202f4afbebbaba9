using Engine.IO;
using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

public sealed class BandedSlidingWindowStitcherTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("inner_keep_edges_overhang", 3)]
    [InlineData("gaussian_inner_edges", 1)]
    [InlineData("bilinear_ac_x32", 10)]
    [InlineData("uncovered_nan_masked", 4)]
    public void Bands_written_to_the_file_equal_the_python_loop_bit_for_bit(string name, int batch)
    {
        var c = StitchCase.Named(name);
        int windowRows = c.TileHeight * c.Options.Factor;
        // The smallest budget: bands of one window's height.
        long budget = 5L * sizeof(float) * c.Width * 3 * windowRows;
        string path = _folder.File("map.npy");
        var mask = c.Mask;
        using (var stitcher = new BandedSlidingWindowStitcher(path, c.Height, c.Width, c.TileHeight, c.TileWidth, budget, c.ExactOptions,
            mask.Length == 0 ? null : (first, rows) => mask.AsSpan(first * c.Width, rows.Length).CopyTo(rows)))
        {
            Assert.Equal(windowRows, stitcher.BandRows);
            var predictions = c.Predictions;
            var origins = c.Origins;
            int n = origins.Length / 2, tile = c.TileHeight * c.TileWidth;
            for (int k = 0; k < n; k += batch)
            {
                int count = Math.Min(batch, n - k);
                stitcher.Add(predictions.AsSpan(k * tile, count * tile), origins.AsSpan(2 * k, 2 * count));
            }
            stitcher.Complete();
            Assert.Equal(c.Height, stitcher.RowsWritten);
        }
        var written = NpyFile.ReadFloat32(path);
        Assert.Equal([c.Height, c.Width], written.Shape);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, written.Data, name + " (banded)");
    }

    [Fact]
    public void Errors_are_named()
    {
        string path = _folder.File("map.npy");
        var options = new StitchOptions { Factor = 4 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new BandedSlidingWindowStitcher(path, 100, 50, 2, 2, 1000, options));
        Assert.Contains("cannot hold bands of at least one window (8 rows) over 50 columns; give at least 24,000", e.Message);
        var a = Assert.Throws<ArgumentException>(() => new BandedSlidingWindowStitcher(path, 100, 50, 2, 2, 1 << 20, options with { UpsampleMode = StitchUpsampleMode.Fast }));
        Assert.Contains("per-tile mode only", a.Message);

        using var stitcher = new BandedSlidingWindowStitcher(path, 100, 50, 2, 2, 24_000, options);
        stitcher.Add(new float[8], [40, 0, 44, 0]);
        a = Assert.Throws<ArgumentException>(() => stitcher.Add(new float[4], [39, 0]));
        Assert.Contains("window 0's origin y 39 comes after a window at y 44: the banded stitcher needs windows in raster order", a.Message);
        a = Assert.Throws<ArgumentException>(() => stitcher.Add(new float[4], [100, 0]));
        Assert.Contains("(y 100, x 0) is outside the 100 × 50 map", a.Message);
        stitcher.Complete();
        Assert.Throws<InvalidOperationException>(() => stitcher.Add(new float[4], [50, 0]));
        Assert.Equal([100, 50], NpyFile.ReadFloat32(path).Shape);
    }
}
