using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

public sealed class StitchRegionsTests
{
    public static TheoryData<string> PerTileCases() =>
        StitchCase.Names(c => c.Options.UpsampleMode == StitchUpsampleMode.PerTile || c.Options.Factor == 1);

    [Theory]
    [MemberData(nameof(PerTileCases))]
    public void Regions_merged_equal_the_whole_map_bit_for_bit(string name)
    {
        var c = StitchCase.Named(name);
        var whole = c.Run();
        var predictions = c.Predictions;
        var origins = c.Origins;
        var mask = c.Mask;
        foreach (int count in new[] { 1, 2, 3, Math.Min(7, c.Height) })
        {
            var split = new StitchRegions(c.Height, c.Width, c.TileHeight, c.TileWidth, count, c.ExactOptions);
            var parts = split.Regions.Select(r => split.Stitch(r, predictions, origins, mask)).ToArray();
            SlidingWindowStitcherTests.AssertSameBits(whole, split.Merge(parts), $"{name} in {count} regions");
        }
    }

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_windows_in_random_regions_equal_the_whole_map_bit_for_bit(int seed)
    {
        var random = new Random(seed);
        int factor = random.Next(1, 5), tileHeight = random.Next(1, 6), tileWidth = random.Next(1, 6);
        int height = random.Next(1, 90), width = random.Next(1, 70);
        int windowSide = Math.Min(tileHeight, tileWidth) * factor;
        var options = new StitchOptions
        {
            Factor = factor,
            Upsampling = random.Next(2) == 0 ? StitchUpsampling.Bilinear : StitchUpsampling.Nearest,
            AlignCorners = random.Next(2) == 0,
            Weighting = random.Next(2) == 0 ? StitchWeighting.Constant : StitchWeighting.Gaussian,
            Inner = random.Next(2) == 0 ? random.Next(1, windowSide + 1) : null,
            KeepEdges = random.Next(2) == 0,
            Activation = (StitchActivation)random.Next(3),
            Uncovered = random.Next(2) == 0 ? 0f : float.NaN,
        };
        // Windows in no particular order, overlapping, some hanging over the bottom and right edges.
        int n = random.Next(0, 60);
        var origins = new int[2 * n];
        var predictions = new float[n * tileHeight * tileWidth];
        for (int k = 0; k < n; k++)
        {
            origins[2 * k] = random.Next(height);
            origins[2 * k + 1] = random.Next(width);
        }
        for (int i = 0; i < predictions.Length; i++)
            predictions[i] = (float)(random.NextDouble() * 4 - 2);
        var mask = random.Next(2) == 0 ? [] : Enumerable.Range(0, height * width).Select(_ => (byte)random.Next(2)).ToArray();

        var whole = SlidingWindowStitcher.Stitch(predictions, origins, height, width, tileHeight, tileWidth, options, mask);
        int count = random.Next(1, height + 1);
        var split = new StitchRegions(height, width, tileHeight, tileWidth, count, options);
        // Each region is given only the windows that reach it, as a work item computing just those would have.
        var parts = split.Regions.Select(region =>
        {
            var mine = Enumerable.Range(0, n).Where(k => split.Reaches(region, origins[2 * k])).ToArray();
            var theirOrigins = mine.SelectMany(k => new[] { origins[2 * k], origins[2 * k + 1] }).ToArray();
            var theirPredictions = mine.SelectMany(k => predictions.AsSpan(k * tileHeight * tileWidth, tileHeight * tileWidth).ToArray()).ToArray();
            return split.Stitch(region, theirPredictions, theirOrigins, mask);
        }).ToArray();
        SlidingWindowStitcherTests.AssertSameBits(whole, split.Merge(parts), $"seed {seed}: {height} × {width}, {n} windows, {count} regions, {options}");
    }

    [Fact]
    public void Regions_cover_the_rows_once_with_a_halo_of_one_window()
    {
        var split = new StitchRegions(100, 10, 2, 2, 3, new StitchOptions { Factor = 4 });
        Assert.Equal([(0, 33, 0, 41), (33, 66, 25, 74), (66, 100, 58, 100)],
            split.Regions.Select(r => (r.Top, r.Bottom, r.ExtentTop, r.ExtentBottom)).ToArray());
        Assert.True(split.Reaches(split.Regions[1], 26));
        Assert.False(split.Reaches(split.Regions[1], 25));
        Assert.False(split.Reaches(split.Regions[1], 66));
    }

    [Fact]
    public void Errors_are_named()
    {
        var fast = new StitchOptions { Factor = 4, UpsampleMode = StitchUpsampleMode.Fast };
        Assert.Contains("per-tile mode only", Assert.Throws<ArgumentException>(() => new StitchRegions(10, 10, 2, 2, 2, fast)).Message);
        Assert.Contains("Region count 11 must be between 1 and the map's 10 rows",
            Assert.Throws<ArgumentOutOfRangeException>(() => new StitchRegions(10, 10, 2, 2, 11)).Message);
        var split = new StitchRegions(10, 10, 2, 2, 2);
        var other = new StitchRegions(12, 10, 2, 2, 2);
        Assert.Contains("is not one of the 2 regions", Assert.Throws<ArgumentException>(() => split.Stitch(other.Regions[1], [], [])).Message);
        Assert.Contains("(y 10, x 0) is outside the 10 × 10 map",
            Assert.Throws<ArgumentException>(() => split.Stitch(split.Regions[0], new float[4], [10, 0])).Message);
        Assert.Contains("Part 1 has 3 values but region 1 owns rows 5..10 × 10 = 50",
            Assert.Throws<ArgumentException>(() => split.Merge([new float[50], new float[3]])).Message);
    }
}
