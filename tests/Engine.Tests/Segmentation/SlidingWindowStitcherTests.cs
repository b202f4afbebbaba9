using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

public class SlidingWindowStitcherTests
{
    /// <summary>Bit-for-bit equality, NaN equal to NaN (uncovered pixels with the NaN fill).</summary>
    internal static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            bool same = BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])
                || (float.IsNaN(expected[i]) && float.IsNaN(actual[i]));
            Assert.True(same, $"{what}[{i}]: the Python loop gives {expected[i]:R}, Engine gives {actual[i]:R}");
        }
    }

    /// <summary>Equality within <paramref name="tolerance"/>, NaN where NaN.</summary>
    internal static void AssertClose(float[] expected, float[] actual, float tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(float.IsNaN(expected[i]), float.IsNaN(actual[i]));
            Assert.True(float.IsNaN(expected[i]) || Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{what}[{i}]: the Python loop gives {expected[i]:R}, Engine gives {actual[i]:R}");
        }
    }

    public static TheoryData<string> ExactCases => StitchCase.Names(c => c.Exact);

    public static TheoryData<string> SigmoidCases => StitchCase.Names(c => !c.Exact);

    [Theory]
    [MemberData(nameof(ExactCases))]
    public void Simd_path_equals_the_python_loop_bit_for_bit(string name)
    {
        var c = StitchCase.Named(name);
        AssertSameBits(c.Expected, c.Run(), name);
    }

    [Theory]
    [MemberData(nameof(SigmoidCases))]
    public void Sigmoid_placement_equals_the_python_loop_within_an_ulp_of_the_sigmoid(string name)
    {
        // torch.sigmoid's vectorized exp and .NET's differ by up to an ulp of a probability (≤ 6e-8); averaging
        // and upsampling do not grow that.
        var c = StitchCase.Named(name);
        AssertClose(c.Expected, c.Run(), 2.5e-7f, name);
    }

    [Theory]
    [InlineData("bilinear_ac_x8_shuffled", 1)]
    [InlineData("bilinear_ac_x8_shuffled", 7)]
    [InlineData("gaussian_inner_edges", 3)]
    [InlineData("fast_x4_masked", 5)]
    public void Batches_of_any_size_give_the_same_bits(string name, int batch)
    {
        var c = StitchCase.Named(name);
        AssertSameBits(c.Run(), c.Run(batch: batch), $"{name} in batches of {batch}");
    }

    [Theory]
    [InlineData("gaussian_full")]
    [InlineData("gaussian_ac_x4")]
    [InlineData("gaussian_inner_edges")]
    public void Gaussian_weights_equal_monais_importance_map_within_three_ulps(string name)
    {
        var c = StitchCase.Named(name);
        var reference = c.ReferenceWeights;
        int p = c.TileHeight * c.Options.Factor, q = c.TileWidth * c.Options.Factor;
        var ours = StitchWeights.Gaussian(p, q, c.Options.SigmaScale);
        Assert.Equal(reference.Length, ours.Length);
        // Each axis' exp is within an ulp of PyTorch's vectorized float32 exp; their product then within three.
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(BitConverter.SingleToInt32Bits(reference[i]) - BitConverter.SingleToInt32Bits(ours[i])) <= 3,
                $"weight[{i}]: MONAI {reference[i]:R}, Engine {ours[i]:R}");
        // And the stitched map with Engine's own map stays within the weights' rounding.
        var stitched = SlidingWindowStitcher.Stitch(c.Predictions, c.Origins, c.Height, c.Width, c.TileHeight, c.TileWidth, c.Options, c.Mask);
        AssertClose(c.Expected, stitched, 1e-6f, name);
    }

    [Fact]
    public void The_gaussian_clamps_its_smallest_weight_at_a_thousandth()
    {
        // σ = 0.125 · 256: the corners fall to exp(−2 · 4²) ≈ 1e-14, which MONAI raises to 1e-3.
        var map = StitchWeights.Gaussian(256, 256);
        Assert.Equal(1e-3f, map.Min());
        Assert.Equal(1e-3f, map[0]);
        Assert.True(map[128 * 256 + 128] > 0.99f);
    }

    [Fact]
    public void Uncovered_pixels_and_the_mask()
    {
        // One 2 × 2 window at (1, 1) on a 4 × 4 map: covered pixels hold the prediction, the rest the fill, and
        // pixels outside the mask 0 even when covered.
        float[] p = [0.25f, 0.5f, 0.75f, 1f];
        var zero = SlidingWindowStitcher.Stitch(p, [1, 1], 4, 4, 2, 2);
        Assert.Equal([0, 0, 0, 0, 0, 0.25f, 0.5f, 0, 0, 0.75f, 1f, 0, 0, 0, 0, 0], zero);
        var nan = SlidingWindowStitcher.Stitch(p, [1, 1], 4, 4, 2, 2, new StitchOptions { Uncovered = float.NaN },
            mask: [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
        Assert.True(float.IsNaN(nan[0]) && float.IsNaN(nan[4]));
        Assert.Equal(0f, nan[5]);
        Assert.Equal(0.5f, nan[6]);
        Assert.Equal(0f, nan[12]);
    }

    [Fact]
    public void A_window_whose_inner_block_lies_past_the_edge_counts_nowhere() => WindowPastTheEdge(compute: null);

    /// <summary>
    /// 16 × 16 windows with an 8 × 8 inner block (columns 4–11): the window at x = 37 on a 40-wide map keeps columns
    /// 37–39 of the map, all outside its inner block, so it must change nothing.
    /// </summary>
    internal static void WindowPastTheEdge(ComputeContext? compute)
    {
        var options = new StitchOptions { Factor = 4, Inner = 8, Upsampling = StitchUpsampling.Nearest };
        float[] two = [.. Enumerable.Repeat(0.25f, 16), .. Enumerable.Repeat(0.75f, 16)];
        var with = SlidingWindowStitcher.Stitch(two, [0, 20, 0, 37], 20, 40, 4, 4, options, compute: compute);
        var without = SlidingWindowStitcher.Stitch(two.AsSpan(0, 16), [0, 20], 20, 40, 4, 4, options, compute: compute);
        AssertSameBits(without, with, "with the window past the edge");
        Assert.Equal(0.25f, with[5 * 40 + 28]);
    }

    [Fact]
    public void Bands_and_threads_do_not_change_the_bits()
    {
        // A map taller than many bands, windows in a scrambled order: the result must not depend on how the
        // bands were shared among workers, so two runs agree and the batch split does not matter.
        var random = new Random(5);
        int n = 300;
        var predictions = new float[n * 4 * 4];
        for (int i = 0; i < predictions.Length; i++)
            predictions[i] = (float)random.NextDouble();
        var origins = new int[2 * n];
        for (int k = 0; k < n; k++)
        {
            origins[2 * k] = random.Next(0, 200);
            origins[2 * k + 1] = random.Next(0, 60);
        }
        var options = new StitchOptions { Factor = 8, Weighting = StitchWeighting.Gaussian, Inner = 24, KeepEdges = true };
        var once = SlidingWindowStitcher.Stitch(predictions, origins, 200, 60, 4, 4, options);
        var stitcher = new SlidingWindowStitcher(200, 60, 4, 4, options);
        for (int k = 0; k < n; k += 37)
        {
            int count = Math.Min(37, n - k);
            stitcher.Add(predictions.AsSpan(k * 16, count * 16), origins.AsSpan(2 * k, 2 * count));
        }
        AssertSameBits(once, stitcher.Finish(), "batched");
        Assert.Equal(n, stitcher.WindowCount);
    }

    [Fact]
    public void Concurrent_adds_are_all_applied()
    {
        // Four threads each add windows of one constant value to the same map; every pixel ends up as the mean.
        var stitcher = new SlidingWindowStitcher(64, 64, 8, 8, new StitchOptions { Factor = 4, Upsampling = StitchUpsampling.Nearest });
        Parallel.For(0, 4, t =>
        {
            var p = Enumerable.Repeat(2f, 4 * 64).ToArray();
            for (int y = 0; y < 64; y += 32)
            {
                for (int x = 0; x < 64; x += 32)
                    stitcher.Add(p.AsSpan(0, 64), [y, x]);
            }
        });
        Assert.Equal(16, stitcher.WindowCount);
        Assert.All(stitcher.Finish(), v => Assert.Equal(2f, v));
    }
}

public class UpsampleTests
{
    public static TheoryData<string> Cases() => StitchCase.ListNames("upsampling");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_torch_interpolate_bit_for_bit(string name)
    {
        var c = StitchCase.ListEntry("upsampling", name);
        var input = NpyFile.ReadFloat32(TestData.PathOf("stitching", $"{name}.input.npy"));
        var expected = NpyFile.ReadFloat32(TestData.PathOf("stitching", $"{name}.expected.npy")).Data;
        int factor = c.GetProperty("factor").GetInt32();
        var output = new float[expected.Length];
        Upsample.Apply(input.Data, input.Shape[0], input.Shape[1], input.Shape[2], factor,
            c.GetProperty("upsampling").GetString() == "nearest" ? StitchUpsampling.Nearest : StitchUpsampling.Bilinear,
            c.GetProperty("align_corners").GetBoolean(), output);
        SlidingWindowStitcherTests.AssertSameBits(expected, output, name);
    }

    [Fact]
    public void Bad_sizes_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Upsample.Apply(new float[5], 1, 2, 2, 2, StitchUpsampling.Bilinear, true, new float[16]));
        Assert.Contains("input has 5 values", e.Message);
        e = Assert.Throws<ArgumentException>(() => Upsample.Apply(new float[4], 1, 2, 2, 2, StitchUpsampling.Bilinear, true, new float[15]));
        Assert.Contains("output has 15 values", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Upsample.Apply(new float[4], 1, 2, 2, 0, StitchUpsampling.Bilinear, true, new float[4]));
    }
}

[Collection(IlgpuCpuCollection.Name)]
public class SlidingWindowStitcherKernelTests(IlgpuCpuFixture fixture)
{
    [Theory]
    [InlineData("bilinear_ac_x4")]
    [InlineData("bilinear_x3_rect")]
    [InlineData("nearest_x4")]
    [InlineData("full_size_tiles")]
    [InlineData("gaussian_inner_edges")]
    [InlineData("masked_x4")]
    [InlineData("uncovered_nan")]
    [InlineData("fast_x4_masked")]
    public void Kernel_equals_the_python_loop_and_the_simd_path_bit_for_bit(string name)
    {
        var c = StitchCase.Named(name);
        var kernel = c.Run(fixture.Compute, batch: 16);
        SlidingWindowStitcherTests.AssertSameBits(c.Expected, kernel, name);
        SlidingWindowStitcherTests.AssertSameBits(c.Run(), kernel, name + " (SIMD)");
    }

    [Fact]
    public void A_window_whose_inner_block_lies_past_the_edge_counts_nowhere() =>
        SlidingWindowStitcherTests.WindowPastTheEdge(fixture.Compute);
}
