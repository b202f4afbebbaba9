using Engine.IO;
using Engine.Segmentation;
using Engine.Torch.Ink;

namespace Engine.Torch.Tests.Ink;

public sealed class HeldOutScoreTests
{
    private const int Width = 40, Height = 20;

    /// <summary>Ink in a band of rows over the whole width; the mask covers everything.</summary>
    private static (GrayImage<byte> Mask, GrayImage<byte> Truth, float[] Map) Scene()
    {
        var mask = new byte[Width * Height];
        var truth = new byte[Width * Height];
        var map = new float[Width * Height];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                int i = y * Width + x;
                mask[i] = 1;
                truth[i] = (byte)(y is >= 5 and < 9 ? 1 : 0);
                map[i] = truth[i] == 1 ? 0.6f + 0.001f * x : 0.1f + 0.002f * (x + y);
            }
        }
        return (new GrayImage<byte>(Width, Height, mask), new GrayImage<byte>(Width, Height, truth), map);
    }

    [Fact]
    public void The_percentile_is_chosen_on_the_trained_part_only_and_the_held_out_part_is_scored_with_it()
    {
        var (mask, truth, map) = Scene();
        var score = HeldOutScore.Evaluate(map, mask, truth, (30, 40));

        // What the held-out columns hold cannot move the chosen percentile: spoil them and it stays.
        var spoiled = (float[])map.Clone();
        for (int i = 0; i < spoiled.Length; i++)
        {
            if (i % Width >= 30)
                spoiled[i] = truth.Pixels[i] == 1 ? 0.05f : 0.95f;
        }
        var again = HeldOutScore.Evaluate(spoiled, mask, truth, (30, 40));

        var trained = Array.ConvertAll(Enumerable.Range(0, map.Length).ToArray(), i => (byte)(i % Width < 30 ? 1 : 0));
        var sweep = BestPercentile.Find(map, truth.Pixels, HeldOutScore.Candidates.ToArray(), trained, 0.5);
        Assert.Equal(sweep.BestQuantile, score.Quantile);
        Assert.Equal(sweep.Best.FBeta, score.TrainedFBeta);
        Assert.Equal(score.Quantile, again.Quantile);
        Assert.Equal(Quantile.Compute(map, score.Quantile, mask.Pixels), score.Threshold);
        Assert.Equal(score.Ink.LongCount(b => b != 0), score.Positives);
        Assert.True(score.HeldOut.FBeta > again.HeldOut.FBeta, $"{score.HeldOut.FBeta} vs the spoiled {again.HeldOut.FBeta}");
        var heldOut = Array.ConvertAll(trained, b => (byte)(1 - b));
        Assert.Equal(FBeta.Score(mask.Pixels, truth.Pixels, heldOut, 0.5).FBeta, score.AllInk.FBeta);
    }

    [Fact]
    public void Sizes_that_differ_and_columns_outside_the_map_are_named()
    {
        var (mask, truth, map) = Scene();
        Assert.Contains("must be one size", Assert.Throws<ArgumentException>(() => HeldOutScore.Evaluate(map.AsSpan(1), mask, truth, (30, 40))).Message);
        Assert.Contains("40×20", Assert.Throws<ArgumentException>(() => HeldOutScore.Evaluate(map, mask, new GrayImage<byte>(20, 40, truth.Pixels), (30, 40))).Message);
        Assert.Contains("30..40", Assert.Throws<ArgumentException>(() => HeldOutScore.Evaluate(map, mask, truth, (30, 41))).Message);
        Assert.Contains("are not inside", Assert.Throws<ArgumentException>(() => HeldOutScore.Evaluate(map, mask, truth, (10, 10))).Message);
    }
}
