using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

public class VolumeTilerTests
{
    private static (TiffVolume Volume, TileGrid Grid) Golden()
    {
        var spec = TestData.Json("volumes", "expected.json").GetProperty("end_to_end");
        var mask = NpyFile.ReadBytes(VolumeData.PathOf("tiles_mask.npy"));
        var volume = TiffVolume.Open(VolumeData.PathOf("tifffile_plain"));
        var grid = TileGrid.Create(mask.Data, mask.Shape[1], mask.Shape[0], spec.GetProperty("tile").GetInt32(), spec.GetProperty("stride").GetInt32());
        return (volume, grid);
    }

    private static (float[] Tiles, int[] Origins) All(VolumeTiler tiler, int? limit = null)
    {
        var tiles = new List<float>();
        var origins = new List<int>();
        foreach (var batch in tiler.Batches(limit))
        {
            using (batch)
            {
                tiles.AddRange(batch.Data.ToArray());
                origins.AddRange(batch.Origins.SelectMany(o => new[] { o.Y, o.X }));
            }
        }
        return (tiles.ToArray(), origins.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(16)]
    public void Normalized_tiles_equal_numpys_reference_loop(int batchSize)
    {
        var (volume, grid) = Golden();
        using (volume)
        {
            var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = batchSize, Scale = TileScale.Divide65535, Normalize = true });
            var (tiles, origins) = All(tiler);
            Assert.Equal(NpyFile.ReadInt32(VolumeData.PathOf("tiles_coords.npy")).Data, origins);
            NormalizationCase.AssertWithinOneUlp(NpyFile.ReadFloat32(VolumeData.PathOf("tiles_normalized.npy")).Data, tiles, "tiles");
        }
    }

    [Theory]
    [InlineData(TileScale.Raw, 1f)]
    [InlineData(TileScale.Divide65535, 65535f)]
    [InlineData(TileScale.Divide255, 255f)]
    public void Scaled_tiles_are_the_padded_slices_divided_in_float32(TileScale scale, float divisor)
    {
        var (volume, grid) = Golden();
        using (volume)
        {
            var (tiles, origins) = All(new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 5, Scale = scale }));
            var slices = VolumeData.Expected;
            int t = grid.Tile, i = 0;
            for (int n = 0; n < origins.Length / 2; n++)
            {
                for (int c = 0; c < VolumeData.Slices; c++)
                {
                    for (int r = 0; r < t; r++)
                    {
                        for (int k = 0; k < t; k++, i++)
                        {
                            int y = origins[2 * n] + r, x = origins[2 * n + 1] + k;
                            float want = y < VolumeData.Height && x < VolumeData.Width ? slices[(c * VolumeData.Height + y) * VolumeData.Width + x] / divisor : 0f;
                            Assert.Equal(want, tiles[i]);
                        }
                    }
                }
            }
            Assert.Equal(tiles.Length, i);
        }
    }

    [Fact]
    public void A_tiny_budget_streams_bands_and_never_holds_more_than_it()
    {
        using var folder = new TempFolder();
        int width = 150, height = 230, slices = 4, tile = 32, stride = 8;
        VolumeData.WriteGenerated(folder.Path, slices, width, height);
        var mask = new byte[width * height];
        for (int y = 10; y < 200; y++)
            mask.AsSpan(y * width + 20, 100).Fill(1);
        var grid = TileGrid.Create(mask, width, height, tile, stride);
        using var volume = TiffVolume.Open(folder.Path);

        var large = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 7, Normalize = true });
        // The whole volume is 4 × 150 × 230 × 2 = 276,000 bytes; this budget holds 3 batches, the scratch and a
        // band of well under a third of the rows.
        long budget = 3 * large.BatchBytes + Environment.ProcessorCount * large.TileLength * 2 + 70L * width * slices * 2;
        var small = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 7, Normalize = true, MemoryBudget = budget });
        Assert.InRange(small.BandRows, tile, height / 3);
        Assert.True(small.BandBytes < (long)slices * width * height * 2);

        var expected = All(large);
        var streamed = All(small);
        Assert.Equal(grid.Count * large.TileLength, expected.Tiles.Length);
        Assert.Equal(expected.Origins, streamed.Origins);
        Assert.Equal(expected.Tiles, streamed.Tiles);
        Assert.InRange(small.PeakBytes, small.BandBytes, budget);
    }

    [Fact]
    public void A_limit_stops_early_and_batches_show_their_grouped_shape()
    {
        var (volume, grid) = Golden();
        using (volume)
        {
            var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 3 });
            var batches = tiler.Batches(limit: 5).ToList();
            Assert.Equal([3, 2], batches.Select(b => b.Count));
            Assert.Equal([2, 3, 32, 32], batches[1].Shape);
            Assert.Equal([2, 3, 1, 32, 32], batches[1].GroupedShape(3));
            Assert.Throws<ArgumentOutOfRangeException>(() => batches[1].GroupedShape(2));
            batches.ForEach(b => b.Dispose());
            Assert.Throws<ObjectDisposedException>(() => batches[0].Data);
        }
    }

    [Fact]
    public void A_budget_too_small_or_a_mask_of_another_size_is_refused()
    {
        var (volume, grid) = Golden();
        using (volume)
        {
            var e = Assert.Throws<ArgumentException>(() => new VolumeTiler(volume, grid, new VolumeTilerOptions { MemoryBudget = 100_000 }));
            Assert.Contains("memory budget of 100,000 bytes is too small", e.Message);
            var other = TileGrid.Create(new byte[71 * 45], 71, 45, 32, 16);
            Assert.Contains("must match", Assert.Throws<ArgumentException>(() => new VolumeTiler(volume, other)).Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 0 }));
            Assert.Contains("use smaller batches", Assert.Throws<ArgumentException>(() => new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 1 << 30 })).Message);
        }
    }
}
