using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>TTA views: boxes follow what the flips and quarter turns do to an image's pixels, and come back exactly.</summary>
public sealed class BoxTransformTests
{
    // A 3-row × 4-column image whose pixels (row 0, col 0) and (row 1, col 0) are set: the box [0, 0, 1/4, 2/3].
    private const int H = 3, W = 4;
    private static readonly double[] Box = [0, 0, 0.25, 2.0 / 3];

    private static int[] Image()
    {
        var image = new int[H * W];
        image[0 * W + 0] = 1;
        image[1 * W + 0] = 1;
        return image;
    }

    // Worked out by hand from np.rot90's definition (k = 1: out[i, j] = in[j, W-1-i], the view W rows × H columns).
    public static TheoryData<string, double[]> HandChecked => new()
    {
        { "hflip", [0.75, 0, 1, 2.0 / 3] },
        { "vflip", [0, 1.0 / 3, 0.25, 1] },
        { "rot90", [0, 0.75, 2.0 / 3, 1] },
        { "rot180", [0.75, 1.0 / 3, 1, 1] },
        { "rot270", [1.0 / 3, 0, 1, 0.25] },
        { "hflip+rot90", [0, 0, 2.0 / 3, 0.25] },
        { "identity", [0, 0, 0.25, 2.0 / 3] },
        { "hflip+scale=0.5", [0.75, 0, 1, 2.0 / 3] },
    };

    [Theory]
    [MemberData(nameof(HandChecked))]
    public void Boxes_follow_the_pixels_on_a_hand_checked_case(string view, double[] expected)
    {
        var t = BoxTransform.Parse(view);
        var boxes = (double[])Box.Clone();
        t.ForwardBoxes(boxes);
        Close(expected, boxes, 1e-15);
        Close(expected, SetPixelsBox(t, Image()), 1e-15);
        t.InverseBoxes(boxes);
        Close(Box, boxes, 1e-15);
    }

    [Fact]
    public void Every_combination_maps_a_block_where_the_image_moves_it()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 40; trial++)
        {
            int r0 = rng.Next(H), r1 = rng.Next(r0 + 1, H + 1), c0 = rng.Next(W), c1 = rng.Next(c0 + 1, W + 1);
            var image = new int[H * W];
            for (int r = r0; r < r1; r++)
            {
                for (int c = c0; c < c1; c++)
                    image[r * W + c] = 1;
            }
            double[] box = [(double)c0 / W, (double)r0 / H, (double)c1 / W, (double)r1 / H];
            foreach (bool fh in new[] { false, true })
            {
                foreach (bool fv in new[] { false, true })
                {
                    for (int k = 0; k < 4; k++)
                    {
                        var t = new BoxTransform(fh, fv, k);
                        var mapped = (double[])box.Clone();
                        t.ForwardBoxes(mapped);
                        Close(SetPixelsBox(t, image), mapped, 1e-12);
                        t.InverseBoxes(mapped);
                        Close(box, mapped, 1e-15);
                    }
                }
            }
        }
    }

    [Fact]
    public void Channels_move_together_and_rot90_equals_numpy()
    {
        // np.rot90(np.arange(6).reshape(2, 3)) == [[2, 5], [1, 4], [0, 3]]
        int[] image = [0, 1, 2, 3, 4, 5];
        var view = new int[6];
        new BoxTransform(QuarterTurns: 1).ApplyToImage<int>(image, 2, 3, 1, view);
        Assert.Equal([2, 5, 1, 4, 0, 3], view);
        // Two channels per pixel, horizontal flip of a 1 × 2 image.
        new BoxTransform(FlipHorizontal: true).ApplyToImage<int>([1, 2, 3, 4], 1, 2, 2, view.AsSpan(0, 4));
        Assert.Equal([3, 4, 1, 2], view[..4]);
    }

    [Fact]
    public void Pixel_boxes_of_a_scaled_turned_view_come_back_normalized()
    {
        var t = BoxTransform.Parse("rot90+scale=2");
        Assert.Equal((6, 8), t.ViewSize(W, H));
        // The block's box in the rot90 view is [0, 3/4, 2/3, 1]: in pixels of the 6 × 8 view, [0, 6, 4, 8].
        double[] boxes = [0, 6, 4, 8];
        t.InverseBoxesFromPixels(boxes, 6, 8);
        Close(Box, boxes, 1e-15);
    }

    [Theory]
    [InlineData("flip", "'flip' is not one of")]
    [InlineData("scale=-1", "the scale must be a positive number")]
    public void Bad_views_are_refused(string view, string message)
    {
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => BoxTransform.Parse(view)).Message);
    }

    [Fact]
    public void Bad_lengths_are_refused()
    {
        Assert.Contains("4 values each", Assert.Throws<ArgumentException>(() => BoxTransform.Identity.InverseBoxes(new double[5])).Message);
        Assert.Contains("QuarterTurns must be 0 to 3", Assert.Throws<ArgumentException>(() => new BoxTransform(QuarterTurns: 4).InverseBoxes(new double[4])).Message);
        Assert.Contains("needs 12 values", Assert.Throws<ArgumentException>(() => BoxTransform.Identity.ApplyToImage<int>(new int[11], 3, 4, 1, new int[12])).Message);
    }

    private static void Close(double[] expected, double[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"value {i}: expected {expected[i]:R}, got {actual[i]:R} ([{string.Join(", ", actual)}])");
    }

    /// <summary>The normalized box around the view's set pixels.</summary>
    private static double[] SetPixelsBox(BoxTransform t, int[] image)
    {
        var view = new int[image.Length];
        t.ApplyToImage<int>(image, H, W, 1, view);
        var (vw, vh) = t.QuarterTurns % 2 == 1 ? (H, W) : (W, H);
        int r0 = int.MaxValue, r1 = -1, c0 = int.MaxValue, c1 = -1;
        for (int r = 0; r < vh; r++)
        {
            for (int c = 0; c < vw; c++)
            {
                if (view[r * vw + c] != 0)
                {
                    r0 = Math.Min(r0, r);
                    r1 = Math.Max(r1, r);
                    c0 = Math.Min(c0, c);
                    c1 = Math.Max(c1, c);
                }
            }
        }
        return [(double)c0 / vw, (double)r0 / vh, (double)(c1 + 1) / vw, (double)(r1 + 1) / vh];
    }
}
