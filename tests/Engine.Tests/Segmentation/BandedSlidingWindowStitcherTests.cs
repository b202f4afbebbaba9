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
    public void On_the_kernels_batches_send_only_their_windows_and_each_finished_band_comes_back_once()
    {
        const int height = 60, width = 24, cells = 2, factor = 4, windowRows = cells * factor;
        var options = new StitchOptions { Factor = factor, Upsampling = StitchUpsampling.Bilinear, AlignCorners = true };
        long budget = 5L * sizeof(float) * width * 3 * windowRows;
        var origins = new List<int>();
        for (int y = 0; y < height; y += 4)
            for (int x = 0; x < width; x += 4)
                origins.AddRange([y, x]);
        int n = origins.Count / 2, tile = cells * cells;
        var random = new Random(5);
        var predictions = Enumerable.Range(0, n * tile).Select(_ => random.NextSingle()).ToArray();
        string cpuPath = _folder.File("cpu.npy"), kernelPath = _folder.File("kernels.npy");
        using (var cpu = new BandedSlidingWindowStitcher(cpuPath, height, width, cells, cells, budget, options))
        {
            cpu.Add(predictions, origins.ToArray());
            cpu.Complete();
        }
        using var compute = new Engine.Compute.ComputeContext(Engine.Compute.ComputeBackend.IlgpuCpu);
        long bands = 0, bandBytes = 0;
        using (var stitcher = new BandedSlidingWindowStitcher(kernelPath, height, width, cells, cells, budget, options, compute: compute))
        {
            for (int k = 0; k < n; k += 6)
            {
                int count = Math.Min(6, n - k), written = stitcher.RowsWritten;
                stitcher.Add(predictions.AsSpan(k * tile, count * tile), origins.ToArray().AsSpan(2 * k, 2 * count));
                // Nothing comes back while windows are added but the bands they finish: their two accumulators, once.
                for (int band = written / stitcher.BandRows; band < stitcher.RowsWritten / stitcher.BandRows; band++, bands++)
                    bandBytes += 2L * sizeof(float) * width * BandExtent(band, stitcher.BandRows, windowRows, height);
                Assert.Equal(bandBytes, compute.BytesDownloaded);
            }
            stitcher.Complete();
        }
        Assert.True(bands >= 3, $"{bands} bands finished before Complete");
        Assert.Equal(File.ReadAllBytes(cpuPath), File.ReadAllBytes(kernelPath));
    }

    private static int BandExtent(int band, int bandRows, int windowRows, int height) =>
        Math.Min(height, (band + 1) * bandRows + windowRows) - Math.Max(0, band * bandRows - windowRows);

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
